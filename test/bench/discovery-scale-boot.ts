/**
 * The bootstrap node of the discovery-scale bench, in its own process so its CPU time is its own
 * (a bootstrap is a machine of its own on the internet, too). Prints `{"port":n}` once listening;
 * on the `report` IPC message sends back its CPU time and packet counters, then stops.
 */
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { Discovery } from '../../src/p2p/discovery/service.js';
import { silentLogger } from '../../src/util/logger.js';

export interface BootReport {
  readonly cpuMs: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly tableSize: number;
  readonly dropped: Record<string, number>;
}

const host = process.argv[2] ?? '127.0.0.1';
const boot = new Discovery({
  nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
  bindHost: host,
  udpPort: 0,
  tcpPort: 1,
  advertisedIp: host,
  bootstrap: [],
  logger: silentLogger(),
});
await boot.start();
const cpuAtStart = process.cpuUsage();
process.send?.({ port: boot.udpPort });
process.on('message', (msg: unknown) => {
  if (msg !== 'report') return;
  const cpu = process.cpuUsage(cpuAtStart);
  const { packetsReceived, packetsSent, tableSize, dropped } = boot.stats;
  const report: BootReport = { cpuMs: Math.round((cpu.user + cpu.system) / 1000), packetsReceived, packetsSent, tableSize, dropped: { ...dropped } };
  process.send?.(report, () => void boot.stop().then(() => process.exit(0)));
});
process.on('disconnect', () => void boot.stop().then(() => process.exit(0)));
