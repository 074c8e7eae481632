import test from 'ava';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { param, parseParams } from '../../../src/rpc/params.js';
import { RpcServer } from '../../../src/rpc/server.js';
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

test.serial('results are JSON-safe: bigint as string, bytes as hex', async (t) => {
  await withServer(async (url) => {
    const { status, json } = await post(url, rpc('double', { amount: '2100000000000000' }));
    t.is(status, 200);
    t.deepEqual(json, { jsonrpc: '2.0', id: 1, result: { doubled: '4200000000000000', raw: '0102' } });
  });
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
    t.is(unknown.error.message, 'unknown method "blance"; see the commands with: ./kadchain --help');

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
