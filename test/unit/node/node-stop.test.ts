/**
 * The node's own stop paths: a stop requested while start() is still running (a signal, or a
 * storage failure during the first blocks) must end the start — no RPC server or miner started
 * after the teardown — and a storage failure goes to the owner's hook (cli start's shutdown, with
 * its watchdog and exit code) instead of a bare stop().
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chain } from '../../../src/chain/chain.js';
import { StorageError } from '../../../src/chain/errors.js';
import { loadConfig } from '../../../src/node/config.js';
import { KadchainNode, type KadchainNodeOptions } from '../../../src/node/node.js';
import { freePort } from '../../integration/harness.js';
import { errorMessage } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

async function makeNode(t: { teardown(fn: () => Promise<void>): void }, extra: Partial<KadchainNodeOptions> = {}): Promise<KadchainNode> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-node-stop-'));
  const config = loadConfig({
    cwd: dir,
    flags: { datadir: dir, port: String(await freePort()), 'rpc-port': String(await freePort()), 'listen-host': '127.0.0.1', 'rpc-host': '127.0.0.1', 'no-discovery': true, 'no-upnp': true },
  });
  const node = new KadchainNode({ config, logger: silentLogger(), ...extra });
  t.teardown(async () => {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return node;
}

test('a stop requested while the node is starting ends the start: no RPC server comes up after the teardown', async (t) => {
  const node = await makeNode(t);
  const starting = node.start().then(
    () => 'started',
    (err: unknown) => errorMessage(err),
  );
  await node.stop();
  const outcome = await starting;
  t.is(outcome, 'the node was stopped while starting');
  t.is(node.rpc, undefined, 'the RPC server was never started');
  t.log(`start outcome: ${outcome}; rpc after stop: ${node.rpc === undefined ? 'none' : 'listening'}`);
});

test('a storage failure is handed to the owner\'s hook, which decides how to stop', async (t) => {
  const failures: Error[] = [];
  const node = await makeNode(t, { onFailure: (err) => failures.push(err) });
  await node.start();
  const chain = (node as unknown as { running: { chain: Chain } }).running.chain;
  chain.emit('storage:failed', new StorageError('storage-write-failed', 'cannot write the chain store: disk full'));
  chain.emit('storage:failed', new StorageError('storage-write-failed', 'again'));
  t.is(failures.length, 1, 'once');
  t.is(node.failure?.message, 'cannot write the chain store: disk full');
  t.not(node.rpc, undefined, 'the node did not stop behind its owner\'s back');
});
