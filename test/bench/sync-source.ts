/**
 * The source node of the sync bench, in its own process (as a real peer is): builds the block
 * fixture, loads it into a bench node on 127.0.0.1, prints one JSON line (SourceReady) and
 * serves until its stdin closes (the bench ended or died). Run by source-process.ts:
 * `node sync-source.js BLOCKS TXS_PER_BLOCK`, or `node sync-source.js --fixture FILE` to serve a
 * fixture written by fixture-file.ts (several sources holding one chain).
 */
import { buildBlockFixture, loadBlockFixture } from './block-fixture.js';
import { startBenchNode } from './bench-node.js';
import { readFixtureFile } from './fixture-file.js';
import type { SourceReady } from './source-process.js';

const args = process.argv.slice(2);
const buildStart = performance.now();
const fixture = args[0] === '--fixture' && args[1] !== undefined ? readFixtureFile(args[1]) : buildFromArgs(args);
const fixtureBuildMs = Math.round(performance.now() - buildStart);
const node = await startBenchNode();
const loadStart = performance.now();
await loadBlockFixture(node.chain, fixture.genesis, fixture.blocks);
const tip = node.chain.tip!;
const ready: SourceReady = {
  port: node.net.tcpPort,
  tipHash: tip.hash.toString('hex'),
  height: tip.height,
  inputs: fixture.inputs,
  fixtureBuildMs,
  sourceLoadMs: Math.round(performance.now() - loadStart),
};
fixture.blocks.length = 0; // served from the chain from now on
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.stdin.resume();
process.stdin.once('close', () => void node.stop().then(() => process.exit(0)));

function buildFromArgs(argv: readonly string[]): ReturnType<typeof buildBlockFixture> {
  const [blocks, txsPerBlock] = argv.map(Number);
  if (!Number.isInteger(blocks) || !Number.isInteger(txsPerBlock)) throw new Error('usage: node sync-source.js BLOCKS TXS_PER_BLOCK | --fixture FILE');
  return buildBlockFixture(blocks!, txsPerBlock!);
}
