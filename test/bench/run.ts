/**
 * `npm run bench`: runs every benchmark module in turn and prints one JSON object per line.
 * `node dist/test/bench/run.js <name>...` runs only the named ones. Add new benches to BENCHES.
 */
import { errorMessage } from '../../src/util/errors.js';
import { blockConnectBench } from './block-connect.js';
import { emptyBlocksBench } from './empty-blocks.js';
import { mempoolFullBench } from './mempool-full.js';
import { mempoolAdmissionBench } from './mempool-admission.js';
import { discoveryBench } from './discovery.js';
import { discoveryScaleBench } from './discovery-scale.js';
import { syncBench } from './sync.js';
import { syncMultiBench } from './sync-multi.js';
import { syncMultiWanBench } from './sync-multi-wan.js';
import { propagationBench } from './propagation.js';
import { cliRoundtripBench } from './cli-roundtrip.js';
import { idleMemoryBench } from './idle-memory.js';
import { punchBench } from './punch.js';
import { rpcSendBench } from './rpc-send.js';
import type { BenchModule } from './types.js';

const BENCHES: readonly BenchModule[] = [mempoolAdmissionBench, mempoolFullBench, blockConnectBench, emptyBlocksBench, discoveryBench, discoveryScaleBench, syncBench, syncMultiBench, syncMultiWanBench, propagationBench, cliRoundtripBench, idleMemoryBench, punchBench, rpcSendBench];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = only.length > 0 ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  if (selected.length === 0) {
    console.error(`no bench named ${only.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  for (const bench of selected) {
    try {
      // The runtime beside each figure: the same machine gives block-connect ~4 % more on Node 22 than on 20 (docs/architecture.md).
      console.log(JSON.stringify({ bench: bench.name, node: process.version, ...(await bench.run()) }));
    } catch (err) {
      console.log(JSON.stringify({ bench: bench.name, error: errorMessage(err) }));
      process.exitCode = 1;
    }
  }
}

await main();
