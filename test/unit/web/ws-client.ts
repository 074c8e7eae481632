/** /ws clients for the feed's tests: a reading one that keeps every message, and one that never reads. */
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from '../../integration/harness.js';

export interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

/** `localAddress`: another loopback address (127.0.0.2, …) stands in for another host. */
export function open(port: number, headers: Record<string, string> = {}, path = '/ws', localAddress?: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers, ...(localAddress === undefined ? {} : { localAddress }) });
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export async function ask(c: Client, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  c.ws.send(JSON.stringify(request));
  let found: Record<string, unknown> | undefined;
  await waitFor(`an answer to ${JSON.stringify(request)}`, async () => (found = c.messages.find((m) => m['id'] === request['id'])) !== undefined, 5_000, 5);
  return found!;
}

/** A WebSocket client that completes the handshake and then never reads: its data piles up at the server. */
export async function stalledClient(port: number): Promise<void> {
  await stalledSender(port);
}

/** A client frame (RFC 6455 §5.2): FIN, text, masked as a client must, any length. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : len < 65536 ? Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]) : Buffer.alloc(0);
  if (head.length === 0) throw new Error('test frames are under 64 KiB');
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, masked]);
}

/** Like stalledClient, but it can still send requests (it just never reads the answers). */
export function stalledSender(port: number): Promise<{ send(text: string): void; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('data', (chunk: Buffer) => {
      if (!chunk.toString().startsWith('HTTP/1.1 101')) return reject(new Error(`handshake failed: ${chunk.toString().slice(0, 40)}`));
      socket.pause();
      resolve({ send: (text) => void socket.write(textFrame(text)), close: () => socket.destroy() });
    });
    socket.on('error', () => undefined);
  });
}

