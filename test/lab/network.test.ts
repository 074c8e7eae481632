/**
 * Five nodes in five network namespaces on one bridge (10.99.0.x exists only inside them): every
 * node starts with --bootstrap <node 1>:9000 and --listen-host 0.0.0.0, discovery on, no addpeer.
 * They must find each other over UDP, connect over TCP, and converge on one chain after sends on
 * two different nodes. RPC stays on 127.0.0.1 inside each namespace, so the CLI runs in there too.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabHost, NetnsMesh, labSkipReason } from './netns.js';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI_BIN = fileURLToPath(new URL('../../../bin/cli.js', import.meta.url));
const NODE_COUNT = 5;
const P2P_PORT = 9000;
const RPC_PORT = 9100;
const MIN_PEERS = 2;
const POLL_INTERVAL_MS = 200;
const DISCOVERY_TIMEOUT_MS = 30_000;
const CONVERGE_TIMEOUT_MS = 20_000;

interface LabNode {
  host: LabHost;
  configFile: string;
  output: () => string;
}

interface Info {
  height: number | null;
  tip: string | null;
  peers: number;
  nodeId: string;
  udpPort: number | null;
}


const skipReason = await labSkipReason();
if (skipReason !== undefined) {
  console.log(`network-lab test skipped: ${skipReason}`);
  test.skip(`${NODE_COUNT} nodes in network namespaces discover each other and converge (skipped: ${skipReason})`, () => undefined);
} else {
  test(`${NODE_COUNT} nodes in network namespaces discover each other over UDP, connect over TCP and converge on one chain`, async (t) => {
    const mesh = await NetnsMesh.create({ hosts: NODE_COUNT });
    t.teardown(() => mesh.destroy());
    const root = await mkdtemp(join(tmpdir(), 'kadchain-lab-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));
    const bootstrap = `${mesh.hosts[0]!.ip}:${P2P_PORT}`;

    const cli = async (node: LabNode, args: readonly string[]): Promise<string> =>
      (await mesh.run(node.host, process.execPath, [CLI_BIN, ...args, '--config', node.configFile])).stdout.trim();
    const rpcJson = async <T>(node: LabNode, args: readonly string[]): Promise<T> => JSON.parse(await cli(node, [...args, '--json'])) as T;
    const info = (node: LabNode): Promise<Info> => rpcJson<Info>(node, ['getinfo']);
    const waitAll = async (what: string, timeoutMs: number, check: (node: LabNode) => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ok = await Promise.all(nodes.map((n) => check(n).catch(() => false)));
        if (ok.every(Boolean)) return;
        if (Date.now() > deadline) {
          const states = await Promise.all(nodes.map((n) => info(n).then((i) => `${n.host.ip}: height ${i.height} peers ${i.peers}`, (e: Error) => `${n.host.ip}: ${e.message}`)));
          throw new Error(`timed out waiting for ${what}; ${states.join('; ')}`);
        }
        await sleep(POLL_INTERVAL_MS);
      }
    };

    // Node 1 is the bootstrap node and the only one that auto-mines (txpool.size 2), so a
    // block is mined once, not raced by five miners.
    const nodes: LabNode[] = [];
    for (const [i, host] of mesh.hosts.entries()) {
      const dataDir = join(root, `node${i + 1}`);
      const configFile = join(root, `node${i + 1}.json`);
      const config = { dataDir, port: P2P_PORT, rpcPort: RPC_PORT, logLevel: 'debug', chain: { powBits: '0x207fffff' }, txpool: { size: i === 0 ? 2 : 1000 } };
      await writeFile(configFile, JSON.stringify(config));
      const child = mesh.spawn(host, process.execPath, [CLI_BIN, 'start', '--config', configFile, '--listen-host', '0.0.0.0', '--bootstrap', bootstrap]);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      nodes.push({ host, configFile, output: () => output });
    }
    const startedMs = Date.now();
    await waitAll('every node answering RPC', DISCOVERY_TIMEOUT_MS, async (n) => (await info(n)).udpPort === P2P_PORT);
    await waitAll(`every node with >= ${MIN_PEERS} peers`, DISCOVERY_TIMEOUT_MS, async (n) => (await info(n)).peers >= MIN_PEERS);
    const peerCounts = await Promise.all(nodes.map(async (n) => (await info(n)).peers));
    t.log(`discovery + TCP: every node has >= ${MIN_PEERS} peers after ${Date.now() - startedMs} ms (peers: ${peerCounts.join(', ')})`);

    // The peers are real remote nodes on the bridge, found by discovery (no addpeer was used).
    const ids = await Promise.all(nodes.map(async (n) => (await info(n)).nodeId));
    for (const [i, node] of nodes.entries()) {
      const { peers } = await rpcJson<{ peers: Array<{ nodeId: string | null; address: string; ready: boolean; manual: boolean }> }>(node, ['peers']);
      for (const p of peers.filter((x) => x.ready)) {
        t.regex(p.address, /^10\.99\.0\.\d+:\d+$/, `node ${i + 1}'s peers are on the lab bridge`);
        t.false(p.manual);
        t.true(ids.includes(p.nodeId ?? ''), 'each peer is one of the lab nodes');
        t.not(p.nodeId, ids[i], 'never itself');
      }
    }
    t.regex(nodes[1]!.output(), /"msg":"discovery listening"/);

    const [first, , third] = nodes as [LabNode, LabNode, LabNode];
    const g = /^Genesis Wallet is: (\w+)$/.exec(await cli(first, ['genesis_block']))?.[1];
    t.truthy(g);
    await waitAll('the genesis block everywhere', CONVERGE_TIMEOUT_MS, async (n) => (await info(n)).height === 0);

    // Sends on two different nodes: node 1 pays node 3, node 3 spends that (unconfirmed) payment.
    const on3 = /^Wallet address is (\w+)$/.exec(await cli(third, ['createwallet']))?.[1];
    t.truthy(on3);
    t.regex(await cli(first, ['send', '--from', g!, '--to', on3!, '--amount', '100']), /^Sent 100 /);
    await waitAll('the payment in node 3\'s pool', CONVERGE_TIMEOUT_MS, async (n) => n !== third || (await cli(third, ['balance', on3!])).includes('(100 counting unconfirmed'));
    t.regex(await cli(third, ['send', '--from', on3!, '--to', g!, '--amount', '30']), /^Sent 30 /);

    await waitAll('block 1 everywhere', CONVERGE_TIMEOUT_MS, async (n) => (await info(n)).height === 1);
    const tips = await Promise.all(nodes.map(async (n) => (await info(n)).tip));
    t.is(new Set(tips).size, 1, `one chain: ${tips.join(', ')}`);
    for (const node of nodes) {
      t.is(await cli(node, ['balance', on3!]), `${on3} balance is 70`);
      t.is(await cli(node, ['balance', g!]), `${g} balance is 930 (plus 1000 immature)`); // block 1 paid g: immature (chain.coinbaseMaturity 20)
    }
  });
}
