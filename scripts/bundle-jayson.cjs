#!/usr/bin/env node
// Part of `npm run build` (after tsc): bundles the part of jayson the node uses — its promise
// Server and Method (JSON-RPC 2.0 request handling; src/rpc/engine.ts) — into one CommonJS file,
// dist/src/rpc/jayson-server.cjs. `require('jayson')` also loads, at once and for nothing, its
// HTTP/HTTPS/TCP/TLS/WebSocket clients and server wrappers and its own copy of ws 7: ~3.6 MB of an
// idle node's RSS (docs/architecture.md "Idle memory"). Those modules are replaced here by stubs
// that throw if ever called; everything else is jayson's own code from node_modules, unchanged.
'use strict';
const { dirname, join } = require('node:path');

const { loadEsbuild } = require('./load-esbuild.cjs');

const esbuild = loadEsbuild('bundle-jayson');

const root = join(__dirname, '..');
const jaysonDir = dirname(require.resolve('jayson/package.json', { paths: [root] }));
const outfile = join(root, 'dist', 'src', 'rpc', 'jayson-server.cjs');

/** jayson's files left out (relative to its directory): transports the node does not use. */
const LEFT_OUT = ['lib/client', 'lib/server/http.js', 'lib/server/https.js', 'lib/server/tcp.js', 'lib/server/tls.js', 'lib/server/websocket.js', 'lib/server/middleware.js'];
/** lib/index.js (what `require('jayson')` and the server's `require('../')` load): Server, Method and Utils as jayson has them, Client a stub class nothing is an instance of (the server only tests `instanceof Client`, for relayed methods we never register). */
const JAYSON_INDEX = 'lib/index.js';

const stubbed = new Set();
const leftOutPlugin = {
  name: 'jayson-left-out',
  setup(build) {
    build.onLoad({ filter: /[\\/]jayson[\\/]/ }, (args) => {
      const rel = args.path.slice(jaysonDir.length + 1).split('\\').join('/');
      if (rel === JAYSON_INDEX) {
        stubbed.add(rel);
        return {
          resolveDir: dirname(args.path),
          loader: 'js',
          contents: [
            "'use strict';",
            'const Jayson = module.exports;',
            'Jayson.Client = Jayson.client = function Client() { throw new Error("jayson\'s clients are not bundled in kadchain"); };',
            "Jayson.Server = Jayson.server = require('./server');",
            "Jayson.Utils = Jayson.utils = require('./utils');",
            "Jayson.Method = Jayson.method = require('./method');",
          ].join('\n'),
        };
      }
      if (!LEFT_OUT.some((prefix) => rel === prefix || rel.startsWith(`${prefix}/`))) return undefined;
      stubbed.add(rel);
      return {
        loader: 'js',
        contents: `module.exports = function leftOut() { throw new Error(${JSON.stringify(`jayson's ${rel} is not bundled in kadchain`)}); };`,
      };
    });
  },
};

// esbuild.build, not buildSync: plugins need the asynchronous API.
esbuild
  .build({
    stdin: {
      contents: "module.exports = { Server: require('jayson/promise/lib/server'), Method: require('jayson/promise/lib/method') };",
      resolveDir: root,
      sourcefile: 'jayson-server-entry.cjs',
      loader: 'js',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [leftOutPlugin],
    minifyWhitespace: false,
    legalComments: 'inline',
    logLevel: 'warning',
  })
  .then(() => {
    // A jayson release that moves these files would silently bundle everything again: refuse.
    const missing = [JAYSON_INDEX, 'lib/server/http.js', 'lib/server/websocket.js'].filter((rel) => !stubbed.has(rel));
    if (missing.length > 0) {
      console.error(`bundle-jayson: jayson's layout changed (${missing.join(', ')} not found where expected); update scripts/bundle-jayson.cjs`);
      process.exit(1);
    }
  })
  .catch((err) => {
    console.error(`bundle-jayson: ${err && err.message ? err.message : err}`);
    process.exit(1);
  });
