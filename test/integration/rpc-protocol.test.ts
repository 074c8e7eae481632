/**
 * The RPC as bitcoind users drive it: the cookie file is `__cookie__:<secret>` (curl --user takes
 * it as is), JSON-RPC 1.0 requests get 1.0 answers, 2.0 stays 2.0, batches mix both.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { cli, createNodeSetup, startNode, stopNode } from './harness.js';

const CURL_CANDIDATES = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'];

/** A raw POST over node:http with the cookie file's content as Basic auth (what curl --user does). */
function post(port: number, auth: string | undefined, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
    if (auth !== undefined) headers['Authorization'] = `Basic ${Buffer.from(auth).toString('base64')}`;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the cookie file is __cookie__:<secret>; 1.0 and 2.0 requests, batches of both, over raw HTTP and curl', async (t) => {
  const setup = await createNodeSetup(t);
  const node = await startNode(t, setup);
  t.is((await cli(setup, ['genesis_block'])).code, 0);
  const cookieFile = join(setup.dataDir, '.cookie');
  const cookie = readFileSync(cookieFile, 'utf8');
  t.regex(cookie, /^__cookie__:[0-9a-f]{64}$/, 'bitcoind\'s format: the user:password pair');
  const port = setup.rpcPort;

  // bitcoin-cli's request: "jsonrpc":"1.0", params as an array; the answer has result, error: null and the id.
  const one = await post(port, cookie, JSON.stringify({ jsonrpc: '1.0', id: 'curltest', method: 'getinfo', params: [] }));
  t.is(one.status, 200);
  const oneJson = JSON.parse(one.body) as { result: { height: number }; error: null; id: string };
  t.is(oneJson.result.height, 0);
  t.is(oneJson.error, null);
  t.is(oneJson.id, 'curltest');
  t.false('jsonrpc' in oneJson, 'answered in 1.0 style');

  // No "jsonrpc" member at all (older libraries), positional params.
  const address = (JSON.parse((await post(port, cookie, JSON.stringify({ id: 1, method: 'printwallet', params: [] }))).body) as { result: { addresses: string[] } }).result.addresses[0]!;
  const balance = JSON.parse((await post(port, cookie, JSON.stringify({ id: 2, method: 'balance', params: [address] }))).body) as { result: { confirmed: unknown } };
  t.is(balance.result.confirmed, 1000, 'an integer amount');

  // 1.0 errors: result null, the error object, the id.
  const failed = JSON.parse((await post(port, cookie, JSON.stringify({ jsonrpc: '1.0', id: 3, method: 'blance', params: [] }))).body) as { result: null; error: { code: number; message: string }; id: number };
  t.is(failed.result, null);
  t.is(failed.error.code, -32601);
  t.regex(failed.error.message, /did you mean "balance"\?/);
  t.is(failed.id, 3);

  // 2.0 is unchanged, and a batch may mix both dialects.
  const batch = JSON.parse(
    (await post(port, cookie, JSON.stringify([{ jsonrpc: '2.0', id: 'a', method: 'getinfo', params: {} }, { jsonrpc: '1.0', id: 'b', method: 'getinfo', params: [] }]))).body,
  ) as Array<Record<string, unknown>>;
  t.deepEqual(batch.map((r) => [r['id'], r['jsonrpc'] ?? '1.0-style', 'error' in r ? r['error'] : 'no error member']), [
    ['a', '2.0', 'no error member'],
    ['b', '1.0-style', null],
  ]);

  t.is((await post(port, undefined, JSON.stringify({ id: 1, method: 'getinfo', params: [] }))).status, 401, 'still no call without the cookie');
  t.is((await post(port, '__cookie__:wrong', JSON.stringify({ id: 1, method: 'getinfo', params: [] }))).status, 401);

  const curl = CURL_CANDIDATES.find((c) => existsSync(c));
  if (curl === undefined) {
    t.log('curl is not installed here: the curl check is skipped (the raw HTTP checks above ran)');
  } else {
    // The exact line a bitcoind user types, through a shell.
    const line = `${curl} -s --user "$(cat ${cookieFile})" --data-binary '{"jsonrpc":"1.0","id":"curltest","method":"getinfo","params":[]}' -H 'content-type: text/plain;' http://127.0.0.1:${port}/`;
    t.log(line.replace(cookieFile, 'data/.cookie'));
    const out = await new Promise<string>((resolve, reject) => execFile('/bin/sh', ['-c', line], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
    const reply = JSON.parse(out) as { result: { height: number; genesis: string }; error: null; id: string };
    t.is(reply.result.height, 0);
    t.is(reply.error, null);
    t.is(reply.id, 'curltest');
  }
  t.is(await stopNode(node), 0);
  t.false(existsSync(cookieFile));
});
