import test from 'ava';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { param, parseParams } from '../../../src/rpc/params.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { UnsafeJsonIntegerError, toJsonSafe } from '../../../src/rpc/json.js';
import { RPC_MAX_BATCH_REQUESTS } from '../../../src/rpc/constants.js';
import type { RpcCall } from '../../../src/rpc/context.js';
import { KadchainError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

const COOKIE = 'ab'.repeat(32);
const AUTH = `Basic ${Buffer.from(`__cookie__:${COOKIE}`).toString('base64')}`;

let calls = 0;
/** Resolves when the `wait` method saw its request's signal abort. */
let sawAbort: Promise<void> = Promise.resolve();
let waitStarted: () => void = () => undefined;
let lastSignal: AbortSignal | undefined;
const methods = {
  wait: (_params: unknown, call?: RpcCall) =>
    new Promise((resolve) => {
      sawAbort = new Promise((aborted) => call?.signal.addEventListener('abort', () => aborted()));
      waitStarted();
      setTimeout(() => resolve({ done: true }), 60_000).unref();
    }),
  signalAfter: (_params: unknown, call?: RpcCall) => {
    lastSignal = call?.signal;
    return { ok: true };
  },
  double: (params: unknown) => {
    calls++;
    const { amount } = parseParams(params, { amount: param.amount() });
    return { doubled: amount * 2n, raw: Buffer.from([1, 2]) };
  },
  refuse: () => {
    throw new KadchainError('insufficient-funds', 'have 1, need 2');
  },
  bug: () => {
    throw new Error('oops');
  },
  slowParam: async () => {
    throw new RpcParamError('missing parameter "x"');
  },
  unsafe: () => ({ chain: [{ work: 2n ** 53n }] }),
};

async function withServer(fn: (url: string) => Promise<void>): Promise<void> {
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie: COOKIE, methods, logger: silentLogger() });
  const { port } = await server.start();
  try {
    await fn(`http://127.0.0.1:${port}/`);
  } finally {
    await server.stop();
  }
}

async function post(url: string, body: string, auth: string | null = AUTH): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...(auth === null ? {} : { Authorization: auth }) } });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

const rpc = (method: string, params?: unknown, id: number | null = 1): string => JSON.stringify({ jsonrpc: '2.0', method, params, ...(id === null ? {} : { id }) });

test.serial('requests without the right cookie get 401 and are not executed', async (t) => {
  await withServer(async (url) => {
    const before = calls;
    const none = await post(url, rpc('double', { amount: 1 }), null);
    t.is(none.status, 401);
    t.is(none.json, undefined);
    const wrong = await post(url, rpc('double', { amount: 1 }), `Basic ${Buffer.from('__cookie__:nope').toString('base64')}`);
    t.is(wrong.status, 401);
    t.is(calls, before);
  });
});

test.serial('results are JSON-safe: bigint as an integer, bytes as hex; a bigint beyond 2^53 is an internal error naming the field', async (t) => {
  await withServer(async (url) => {
    const { status, json } = await post(url, rpc('double', { amount: '2100000000000000' }));
    t.is(status, 200);
    t.deepEqual(json, { jsonrpc: '2.0', id: 1, result: { doubled: 4200000000000000, raw: '0102' } });
    const unsafe = (await post(url, rpc('unsafe'))).json as { error: { code: number; message: string } };
    t.log(unsafe.error.message);
    t.is(unsafe.error.code, -32603);
    t.regex(unsafe.error.message, /field \$\.chain\[0\]\.work holds 9007199254740992, beyond 2\^53/);
  });
});

test('toJsonSafe: the largest safe integer passes, one more throws, negative too', (t) => {
  t.is(toJsonSafe(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  t.is(toJsonSafe(-2100000000000000n), -2100000000000000);
  t.throws(() => toJsonSafe({ a: [1n, 2n ** 53n] }), { instanceOf: UnsafeJsonIntegerError, message: /field \$\.a\[1\]/ });
  t.throws(() => toJsonSafe(-(2n ** 53n)), { instanceOf: UnsafeJsonIntegerError });
});

test.serial('protocol errors: -32700, -32600, -32601 naming the method, -32602 naming the param', async (t) => {
  await withServer(async (url) => {
    const parse = (await post(url, '{"jsonrpc": "2.0", "method": ')).json as { error: { code: number; message: string }; id: null };
    t.is(parse.error.code, -32700);
    t.regex(parse.error.message, /^parse error: the request body is not valid JSON/);
    t.is(parse.id, null);

    const invalid = (await post(url, JSON.stringify({ foo: 1 }))).json as { error: { code: number; message: string } };
    t.is(invalid.error.code, -32600);
    t.regex(invalid.error.message, /^invalid request/);

    const unknown = (await post(url, rpc('blance'))).json as { error: { code: number; message: string } };
    t.is(unknown.error.code, -32601);
    t.is(unknown.error.message, 'unknown method "blance" (the help method lists them all)');
    const near = (await post(url, rpc('dubble'))).json as { error: { code: number; message: string } };
    t.is(near.error.message, 'unknown method "dubble"; did you mean "double"? (the help method lists them all)');

    const params = (await post(url, rpc('double', { amount: -5 }))).json as { error: { code: number; message: string; data: unknown } };
    t.deepEqual(params.error, { code: -32602, message: 'parameter "amount" must not be negative, got -5', data: { code: 'invalid-params' } });
  });
});

test.serial('domain errors carry our code and the string code; bugs are -32603', async (t) => {
  await withServer(async (url) => {
    const refused = (await post(url, rpc('refuse'))).json as { error: unknown };
    t.deepEqual(refused.error, { code: -6, message: 'have 1, need 2', data: { code: 'insufficient-funds' } });
    const bug = (await post(url, rpc('bug'))).json as { error: { code: number; message: string } };
    t.is(bug.error.code, -32603);
    const asyncParam = (await post(url, rpc('slowParam'))).json as { error: { code: number } };
    t.is(asyncParam.error.code, -32602);
  });
});

test.serial('batches and notifications work; oversized bodies are refused', async (t) => {
  await withServer(async (url) => {
    const batch = (await post(url, `[${rpc('double', { amount: 1 }, 1)},${rpc('nope', undefined, 2)}]`)).json as Array<{ id: number }>;
    t.deepEqual(
      batch.map((r) => r.id),
      [1, 2],
    );
    const notification = await post(url, rpc('double', { amount: 1 }, null));
    t.is(notification.status, 204);
    const huge = await fetch(url, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { Authorization: AUTH } });
    t.is(huge.status, 413);
    const get = await fetch(url, { headers: { Authorization: AUTH } });
    t.is(get.status, 405);
  });
});

test.serial('JSON-RPC 1.0 requests (bitcoin-cli style) are answered in 1.0 style; 2.0 stays 2.0; a batch may mix both', async (t) => {
  await withServer(async (url) => {
    const one = JSON.stringify({ jsonrpc: '1.0', id: 'curltest', method: 'double', params: [3] });
    t.deepEqual((await post(url, one)).json, { result: { doubled: 6, raw: '0102' }, error: null, id: 'curltest' });
    const noVersion = JSON.stringify({ id: 7, method: 'double', params: [4] });
    t.deepEqual((await post(url, noVersion)).json, { result: { doubled: 8, raw: '0102' }, error: null, id: 7 });
    const noId = JSON.stringify({ method: 'double', params: [1] });
    t.deepEqual((await post(url, noId)).json, { result: { doubled: 2, raw: '0102' }, error: null, id: null }, 'a 1.0 request without an id is still answered');
    const failed = (await post(url, JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'refuse', params: [] }))).json;
    t.deepEqual(failed, { result: null, error: { code: -6, message: 'have 1, need 2', data: { code: 'insufficient-funds' } }, id: 1 });
    const unknown = (await post(url, JSON.stringify({ jsonrpc: '1.0', id: 2, method: 'dubble', params: [] }))).json as { result: null; error: { code: number } };
    t.is(unknown.result, null);
    t.is(unknown.error.code, -32601);
    const mixed = (await post(url, `[${one},${rpc('double', { amount: 5 }, 9)}]`)).json;
    t.deepEqual(mixed, [
      { result: { doubled: 6, raw: '0102' }, error: null, id: 'curltest' },
      { jsonrpc: '2.0', id: 9, result: { doubled: 10, raw: '0102' } },
    ]);
    const badVersion = (await post(url, JSON.stringify({ jsonrpc: '3.0', id: 1, method: 'double', params: [1] }))).json as { error: { code: number } };
    t.is(badVersion.error.code, -32600);
  });
});

test.serial(`a batch holds at most ${RPC_MAX_BATCH_REQUESTS} requests; an empty one is invalid`, async (t) => {
  await withServer(async (url) => {
    const before = calls;
    const full = (await post(url, `[${Array.from({ length: RPC_MAX_BATCH_REQUESTS }, (_, i) => rpc('double', { amount: 1 }, i)).join(',')}]`)).json as unknown[];
    t.is(full.length, RPC_MAX_BATCH_REQUESTS);
    t.is(calls - before, RPC_MAX_BATCH_REQUESTS);
    const over = (await post(url, `[${Array.from({ length: RPC_MAX_BATCH_REQUESTS + 1 }, (_, i) => rpc('double', { amount: 1 }, i)).join(',')}]`)).json as { error: { code: number; message: string } };
    t.is(over.error.code, -32600);
    t.is(over.error.message, `invalid request: a batch may hold at most ${RPC_MAX_BATCH_REQUESTS} requests, this one holds ${RPC_MAX_BATCH_REQUESTS + 1}`);
    t.is(calls - before, RPC_MAX_BATCH_REQUESTS, 'nothing of the refused batch ran');
    const empty = (await post(url, '[]')).json as { error: { code: number } };
    t.is(empty.error.code, -32600);
  });
});

test.serial('a method learns through its signal that the client closed the connection before the answer, and a normal answer does not abort', async (t) => {
  await withServer(async (url) => {
    const aborter = new AbortController();
    const started = new Promise<void>((resolve) => (waitStarted = resolve));
    const pending = fetch(url, { method: 'POST', body: rpc('wait'), headers: { 'Content-Type': 'application/json', Authorization: AUTH }, signal: aborter.signal });
    await started;
    aborter.abort();
    t.is(await pending.then(() => 'answered', () => 'aborted'), 'aborted');
    const seen = await Promise.race([sawAbort.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    t.true(seen, 'the method saw the abort');
    // A method that answers normally: its signal never aborts.
    await post(url, rpc('signalAfter'));
    await new Promise((r) => setTimeout(r, 50));
    t.false(lastSignal?.aborted, 'answered requests are not aborted');
  });
});

test.serial('keep-alive: calls on one kept-alive connection reuse its socket, which stays open past Node\'s 5 s default', async (t) => {
  const { Agent, request } = await import('node:http');
  const { RPC_KEEP_ALIVE_TIMEOUT_MS } = await import('../../../src/rpc/constants.js');
  t.true(RPC_KEEP_ALIVE_TIMEOUT_MS > 5_000);
  await withServer(async (url) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const once = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const body = rpc('double', { amount: 2 });
        const req = request(url, { method: 'POST', agent, headers: { Authorization: AUTH, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          sockets.add(res.socket);
          t.not(res.headers.connection, 'close');
          t.regex(String(res.headers['keep-alive']), new RegExp(`timeout=${RPC_KEEP_ALIVE_TIMEOUT_MS / 1000}`));
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 5; i++) t.regex(await once(), /"doubled":4/);
    t.is(sockets.size, 1, 'five calls, one connection');
    agent.destroy();
  });
});
