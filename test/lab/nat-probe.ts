/**
 * Runs inside the lab's LAN namespace: a TCP+UDP echo server on one port plus a NatService that
 * maps it on the router. Prints `STATE {json}` after start, stops cleanly (unmapping) when its
 * stdin says "stop" or closes, then prints `STOPPED {json}`. Logs (pino JSON) go to stderr.
 *
 *   node dist/test/lab/nat-probe.js <port> [leaseSec]
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { NatService } from '../../src/p2p/nat/index.js';

const port = Number(process.argv[2] ?? 9000);
const leaseSec = Number(process.argv[3] ?? 3600);
const logger = pino({ level: 'debug', base: null }, pino.destination(2));

const tcp = createServer((socket) => {
  socket.on('error', () => undefined);
  socket.on('data', (data) => socket.write(`tcp-echo(${socket.remoteAddress}): ${data.toString()}`));
});
const udp = createSocket('udp4');
udp.on('message', (msg, from) => udp.send(`udp-echo(${from.address}): ${msg.toString()}`, from.port, from.address));
await new Promise<void>((resolve) => tcp.listen(port, '0.0.0.0', resolve));
await new Promise<void>((resolve) => udp.bind(port, '0.0.0.0', resolve));

const nat = new NatService({ tcpPort: port, udpPort: port, logger, leaseSec });
const startedMs = Date.now();
const state = await nat.start();
process.stdout.write(`STATE ${JSON.stringify({ ...state, startMs: Date.now() - startedMs })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const t0 = Date.now();
  await nat.stop();
  process.stdout.write(`STOPPED ${JSON.stringify({ stopMs: Date.now() - t0, state: nat.state() })}\n`);
  tcp.close();
  udp.close();
  process.exit(0);
}
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() === 'stop') void stop();
});
input.on('close', () => void stop());
