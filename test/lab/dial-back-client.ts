/**
 * A scripted peer run inside the punch lab's X namespace (test 5 of punch.test.ts): connects to
 * a node over TCP, completes the handshake with the real wire codecs (test/unit/p2p/raw-peer.ts
 * does the same on loopback), then sends `count` dial-back requests for ports base…base+count-1
 * while listening on those ports itself. A dial-back can only ever come to this host's own IP
 * (the message has no IP field); what arrives on each port is recorded. Prints one JSON report:
 *
 *   node dial-back-client.js <node ip> <node port> <base port> <count> <timeoutMs>
 *   → {"ready":true,"results":[{"nonce","port","status"}],"probes":[{"port","remote","frames":[{"kind","nonce"}]}],
 *      "closedByNode":false,"received":["handshake","handshake-ack",…],"error":null}
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { FrameDecoder, PROTOCOL_VERSION, type WireMessage, createHandshakeAck, decodeMessage, encodeMessageFrame } from '../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../src/primitives/hash.js';
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';

/** After the last result, how long probes may still be arriving on their own connections. */
const PROBE_GRACE_MS = 1_500;

const [nodeIp, nodePortText, basePortText, countText, timeoutText] = process.argv.slice(2);
const nodePort = Number(nodePortText);
const basePort = Number(basePortText);
const count = Number(countText);
const timeoutMs = Number(timeoutText);

interface Probe {
  port: number;
  remote: string;
  frames: Array<{ kind: string; nonce?: string }>;
  error?: string;
}

const report = {
  ready: false,
  results: [] as Array<{ nonce: string; port: number; status: string }>,
  probes: [] as Probe[],
  closedByNode: false,
  received: [] as string[],
  rejects: [] as string[],
  error: null as string | null,
};
const requested = new Map<bigint, number>();

function frameSummary(msg: WireMessage): { kind: string; nonce?: string } {
  return 'nonce' in msg && typeof msg.nonce === 'bigint' ? { kind: msg.kind, nonce: msg.nonce.toString() } : { kind: msg.kind };
}

const servers: Server[] = [];
for (let i = 0; i < count; i++) {
  const port = basePort + i;
  const server = createServer((socket) => {
    const probe: Probe = { port, remote: `${socket.remoteAddress}:${socket.remotePort}`, frames: [] };
    report.probes.push(probe);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) probe.frames.push(frameSummary(decodeMessage(frame.type, frame.payload)));
      } catch (err) {
        probe.error = (err as Error).message;
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(port, '0.0.0.0');
  servers.push(server);
}

function finish(): void {
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

const key = nodeKeyFromPrivateKey(generatePrivateKey());
const ownNonce = randomBytes(8).readBigUInt64LE(0);
const socket = connect({ host: nodeIp!, port: nodePort });
const decoder = new FrameDecoder();
const send = (msg: WireMessage): boolean => socket.write(encodeMessageFrame(msg));
let graceTimer: NodeJS.Timeout | undefined;

setTimeout(() => {
  report.error ??= `timed out after ${timeoutMs} ms (${report.results.length}/${count} results)`;
  finish();
}, timeoutMs);

socket.on('connect', () => {
  send({
    kind: 'handshake',
    version: PROTOCOL_VERSION,
    genesisHash: ZERO_HASH,
    bestHeight: 0,
    chainWork: 0n,
    nodeId: key.nodeId,
    listenPort: 0,
    nonce: ownNonce,
    observed: { ip: socket.remoteAddress ?? nodeIp!, port: socket.remotePort ?? nodePort },
  });
});

socket.on('data', (chunk: Buffer) => {
  try {
    for (const frame of decoder.push(chunk)) {
      const msg = decodeMessage(frame.type, frame.payload);
      report.received.push(msg.kind);
      if (msg.kind === 'handshake') send(createHandshakeAck(key.privateKey, msg.nonce));
      if (msg.kind === 'ping') send({ kind: 'pong', nonce: msg.nonce, bestHeight: 0, chainWork: 0n });
      if (msg.kind === 'reject') report.rejects.push(JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v)));
      if (msg.kind === 'handshake-ack' && !report.ready) {
        report.ready = true;
        for (let i = 0; i < count; i++) {
          const nonce = randomBytes(8).readBigUInt64LE(0);
          requested.set(nonce, basePort + i);
          send({ kind: 'dial-back', nonce, port: basePort + i });
        }
      }
      if (msg.kind === 'dial-back-result') {
        report.results.push({ nonce: msg.nonce.toString(), port: requested.get(msg.nonce) ?? -1, status: msg.status });
        if (report.results.length >= count && graceTimer === undefined) graceTimer = setTimeout(finish, PROBE_GRACE_MS);
      }
    }
  } catch (err) {
    report.error = `undecodable frame from the node: ${(err as Error).message}`;
    finish();
  }
});
socket.on('error', (err) => {
  report.error ??= `connection to the node: ${err.message}`;
});
socket.on('close', () => {
  report.closedByNode = true;
  graceTimer ??= setTimeout(finish, PROBE_GRACE_MS);
});
