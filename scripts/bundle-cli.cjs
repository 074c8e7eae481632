#!/usr/bin/env node
// Part of `npm run build` (after tsc): bundles the CLI's client path, dist/src/cli/client-entry.js
// and the modules it imports, into one CommonJS file, dist/src/cli/kadchain.cjs, which ./kadchain
// and bin/kadchain.cjs run. One file instead of ~20 ES modules, loaded without the ESM loader:
// measured in docs/architecture.md "CLI start-up". CommonJS (this file too) so that `require`
// finds esbuild the ordinary way.
'use strict';
const { join } = require('node:path');

const { loadEsbuild } = require('./load-esbuild.cjs');

const esbuild = loadEsbuild('bundle-cli');

const root = join(__dirname, '..');
const cliDir = join(root, 'dist', 'src', 'cli');

esbuild.buildSync({
  entryPoints: [join(cliDir, 'client-entry.js')],
  outfile: join(cliDir, 'kadchain.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Beside main.js, so the relative paths of what stays outside resolve as they do for main.js.
  // start.js and verify-offline.js hold the node's code: client-entry hands those commands to the
  // unbundled main.js, and they must never be copied in here.
  external: ['./start.js', './verify-offline.js'],
  // import.meta.url (conf/default.json, package.json are found from it) as this file's URL.
  define: { 'import.meta.url': '__kadchainBundleUrl' },
  banner: { js: "const __kadchainBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Whitespace only: class names stay (errors are named after their class), and stack traces readable.
  minifyWhitespace: false,
  legalComments: 'none',
  logLevel: 'warning',
});
