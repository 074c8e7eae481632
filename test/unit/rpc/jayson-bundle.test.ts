import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The build's bundle of jayson's server and the engine that loads it (tests run from dist/test/unit/rpc/). */
const BUNDLE = fileURLToPath(new URL('../../../src/rpc/jayson-server.cjs', import.meta.url));
const ENGINE = new URL('../../../src/rpc/engine.js', import.meta.url).href;

test("jayson's bundle holds its Server and Method but none of its transports: no http, https, tls, net or ws", (t) => {
  const text = readFileSync(BUNDLE, 'utf8');
  const required = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))].sort();
  t.log(`${Math.round(text.length / 1024)} KiB, requires ${required.join(' ')}`);
  t.true(required.length > 0, 'the pattern finds requires');
  for (const transport of ['http', 'https', 'tls', 'net', 'ws', 'isomorphic-ws']) t.false(required.includes(transport), transport);
  t.true(text.includes('PromiseServer') && text.includes('PromiseMethod'), "jayson's promise server and method are in");
});

test('a process that loads the RPC engine and answers a call loads no module of jayson from node_modules, nor https, tls or ws', (t) => {
  const probe = `
    const { createEngine } = await import(${JSON.stringify(ENGINE)});
    const engine = createEngine({ methods: { ping: async () => 'pong' }, unknownMethod: (name) => ({ code: -32601, message: name }), invalidRequestMessage: 'bad', maxBatchRequests: 10 });
    const reply = await engine.call({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const { createRequire } = await import('node:module');
    const cached = Object.keys(createRequire(import.meta.url).cache);
    const builtins = process.moduleLoadList.filter((m) => /^NativeModule (https|tls|_tls_wrap|http)$/.test(m));
    process.stdout.write(JSON.stringify({ reply, jayson: cached.filter((p) => p.includes('node_modules')), builtins }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { reply: unknown; jayson: string[]; builtins: string[] };
  t.log(`modules from node_modules: ${out.jayson.length}; http/https/tls built-ins: ${out.builtins.join(' ') || 'none'}`);
  t.deepEqual(out.reply, { jsonrpc: '2.0', id: 1, result: 'pong' });
  t.deepEqual(out.jayson, []);
  t.deepEqual(out.builtins, []);
});

test("a transport of jayson's that was left out throws a clear error instead of running", async (t) => {
  const { createRequire } = await import('node:module');
  const { Server } = createRequire(import.meta.url)(BUNDLE) as { Server: new (methods: object) => { http(): unknown } };
  t.throws(() => new Server({}).http(), { message: /not bundled in kadchain/ });
});
