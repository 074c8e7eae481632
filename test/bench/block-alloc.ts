/**
 * Allocation on the block path (issue #12): what decoding and connecting a 20-tx block costs in
 * V8 heap, objects and garbage collections. Not a pass/fail bench: a measuring tool, run as
 *
 *   node --expose-gc dist/test/bench/block-alloc.js [blocks]
 *
 * It prints one JSON line: per decoded block the retained heap bytes and objects (heap snapshot
 * diff: what a block waiting in a queue holds), the bytes allocated by Block.decode alone, and for
 * a whole connect run (the block-connect bench's path: decode, processBlock through the submit
 * window) the main-isolate heap bytes allocated per block and per input (from GC statistics:
 * each collection's heap before it, minus the heap after the one before), the collections by
 * kind, and main-thread and whole-process CPU per input.
 */
import { Session } from 'node:inspector';
import { cpuUsage } from 'node:process';
import { GCProfiler, getHeapSnapshot, getHeapStatistics } from 'node:v8';
import { Block } from '../../src/primitives/block.js';
import { buildBlockFixture } from './block-fixture.js';
import { connectBlocks } from './connect-blocks.js';

const TXS_PER_BLOCK = 20;
/** Decoded blocks held at once for the retained-size snapshot: enough that one block's share is not noise. */
const RETAINED_SAMPLE_BLOCKS = 200;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc dist/test/bench/block-alloc.js');
  collect();
  collect();
}

interface SnapshotCounts {
  objects: number;
  bytes: number;
}

/** Live objects and their shallow bytes in a heap snapshot (every node but the synthetic roots). */
async function snapshotCounts(): Promise<SnapshotCounts> {
  gc();
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const typeNames = snap.snapshot.meta.node_types[0];
  const synthetic = typeNames.indexOf('synthetic');
  let objects = 0;
  let bytes = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    if (snap.nodes[i + typeAt] === synthetic) continue;
    objects++;
    bytes += snap.nodes[i + sizeAt]!;
  }
  return { objects, bytes };
}

/** Heap bytes allocated while `run` ran (main isolate): GC statistics plus the heap growth since the last collection. */
async function heapAllocated<T>(run: () => Promise<T> | T): Promise<{ bytes: number; result: T; gcs: Record<string, number> }> {
  gc();
  const profiler = new GCProfiler();
  const gcs: Record<string, number> = {};
  const startUsed = getHeapStatistics().used_heap_size;
  profiler.start();
  const result = await run();
  const endUsed = getHeapStatistics().used_heap_size;
  const stats = profiler.stop()?.statistics ?? [];
  let bytes = 0;
  let after = startUsed;
  for (const s of stats) {
    gcs[s.gcType] = (gcs[s.gcType] ?? 0) + 1;
    bytes += s.beforeGC.heapStatistics.usedHeapSize - after;
    after = s.afterGC.heapStatistics.usedHeapSize;
  }
  bytes += endUsed - after;
  return { bytes, result, gcs };
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** With --sites: the functions that allocate most on the connect path (sampling heap profiler, collected objects included), bytes per block. */
async function printSites(run: () => Promise<unknown>, blockCount: number): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await run();
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
  session.disconnect();
  const bySite = new Map<string, number>();
  // Node's own frames (Buffer, crypto, builtins) are charged to the nearest kadchain or dependency frame that called them.
  const walk = (node: SamplingNode, caller: string): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const internal = url === '' || url.startsWith('node:');
    const site = internal && caller !== '' ? caller : `${functionName || '(anonymous)'} ${url.replace(/^.*\/dist\//, '')}:${lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, site);
  };
  walk(profile.head, '');
  const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30);
  for (const [site, bytes] of top) console.log(`${String(Math.round(bytes / blockCount)).padStart(8)} B/block  ${site}`);
}

async function main(): Promise<void> {
  const blockCount = Number(process.argv[2] ?? 1000);
  const fixture = buildBlockFixture(blockCount, TXS_PER_BLOCK);
  const inputs = fixture.inputs;
  const encodedBytes = fixture.blocks.reduce((n, b) => n + b.length, 0) / blockCount;

  // Retained: a queue of decoded blocks, as sync holds them before the chain takes them.
  // Buffer backing stores are counted before each snapshot: the snapshot's own chunks are buffers too.
  const sample = fixture.blocks.slice(0, RETAINED_SAMPLE_BLOCKS);
  gc();
  const externalBefore = process.memoryUsage().arrayBuffers;
  const before = await snapshotCounts();
  const held: Block[] = sample.map((bytes) => Block.decode(bytes));
  gc();
  const externalHeld = process.memoryUsage().arrayBuffers;
  const withBlocks = await snapshotCounts();
  if (held.length !== sample.length) throw new Error('lost decoded blocks'); // keeps them alive through the snapshot

  // Transient: Block.decode alone, every block once (warm the code first).
  for (const bytes of fixture.blocks) Block.decode(bytes);
  const decode = await heapAllocated(() => {
    let n = 0;
    for (const bytes of fixture.blocks) n += Block.decode(bytes).transactions.length;
    return n;
  });

  // The whole block path, as the block-connect bench runs it (one warm-up run first).
  await connectBlocks(fixture.genesis, fixture.blocks.slice(0, Math.min(200, blockCount)));
  const cpu0 = cpuUsage();
  const connect = await heapAllocated(() => connectBlocks(fixture.genesis, fixture.blocks));
  const cpu = cpuUsage(cpu0);
  if (process.argv.includes('--sites')) await printSites(() => connectBlocks(fixture.genesis, fixture.blocks), blockCount);
  const per = (n: number, d: number): number => Math.round((n / d) * 10) / 10;
  console.log(
    JSON.stringify({
      blocks: blockCount,
      txsPerBlock: TXS_PER_BLOCK,
      inputsPerBlock: inputs / blockCount,
      encodedBytesPerBlock: Math.round(encodedBytes),
      retainedPerDecodedBlock: {
        heapBytes: Math.round((withBlocks.bytes - before.bytes) / sample.length),
        objects: Math.round((withBlocks.objects - before.objects) / sample.length),
        bufferBackingBytes: Math.round((externalHeld - externalBefore) / sample.length),
      },
      decodeHeapBytesPerBlock: Math.round(decode.bytes / blockCount),
      decodeGcs: decode.gcs,
      connect: {
        secs: per(connect.result.secs, 1),
        heapBytesPerBlock: Math.round(connect.bytes / blockCount),
        heapBytesPerInput: Math.round(connect.bytes / inputs),
        gcs: connect.gcs,
        mainThreadCpuUsPerInput: connect.result.mainCpuMs === undefined ? undefined : per(connect.result.mainCpuMs * 1000, inputs),
        // Every thread of this process, the warm-up excluded: main, verify workers, V8's GC and compiler threads, lmdb-js's writer.
        processCpuUsPerInput: per(cpu.user + cpu.system, inputs),
      },
    }),
  );
}

await main();
