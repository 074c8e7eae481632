/**
 * The sync bench's source node in a process of its own (sync.ts forks this script): it builds
 * the block fixture, loads it into a bench node, reports the node's port and tip over IPC and
 * serves until the parent disconnects. Run in the parent's process, its serving (LMDB reads,
 * frames, sends) took main-thread time from the syncing node the bench measures.
 */
import { type BenchNode, startBenchNode } from './bench-node.js';
import { buildBlockFixture, loadBlockFixture } from './block-fixture.js';

export interface SyncSourceRequest {
  readonly blocks: number;
  readonly txsPerBlock: number;
}

export interface SyncSourceReady {
  readonly port: number;
  readonly tipHash: string;
  readonly tipHeight: number;
  readonly inputs: number;
  readonly fixtureBuildMs: number;
  readonly sourceLoadMs: number;
}

let node: BenchNode | undefined;

async function serve(request: SyncSourceRequest): Promise<void> {
  const buildStart = performance.now();
  const fixture = buildBlockFixture(request.blocks, request.txsPerBlock);
  const fixtureBuildMs = Math.round(performance.now() - buildStart);
  node = await startBenchNode();
  const loadStart = performance.now();
  await loadBlockFixture(node.chain, fixture.genesis, fixture.blocks);
  const tip = node.chain.tip!;
  const ready: SyncSourceReady = { port: node.net.tcpPort, tipHash: tip.hash.toString('hex'), tipHeight: tip.height, inputs: fixture.inputs, fixtureBuildMs, sourceLoadMs: Math.round(performance.now() - loadStart) };
  process.send!(ready);
}

process.on('message', (request: SyncSourceRequest) => {
  serve(request).catch((err: unknown) => {
    console.error('sync source failed:', err);
    process.exit(1);
  });
});
process.on('disconnect', () => void (node?.stop() ?? Promise.resolve()).then(() => process.exit(0)));
