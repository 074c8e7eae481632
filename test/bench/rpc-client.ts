/**
 * A lean JSON-RPC client for load generation: node:http with a keep-alive agent (one socket per
 * concurrent caller, reused for every call), the cookie header built once.
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { readCookie } from '../../src/rpc/cookie.js';

export interface RpcReply {
  result?: unknown;
  error?: { code: number; message: string };
}

export class KeepAliveRpc {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private nextId = 1;
  /** Distinct sockets used so far: with keep-alive honoured, at most the number of concurrent callers. */
  readonly sockets = new Set<Socket>();

  constructor(
    private readonly port: number,
    dataDir: string,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
    const auth = Buffer.from(`__cookie__:${readCookie(dataDir) ?? ''}`).toString('base64');
    this.headers = { 'Content-Type': 'application/json', Authorization: `Basic ${auth}` };
  }

  /** POSTs one request (or a batch array) and resolves with the parsed reply. */
  post(body: unknown): Promise<unknown> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method: 'POST', path: '/', agent: this.agent, headers: { ...this.headers, 'Content-Length': Buffer.byteLength(text) } }, (res) => {
        this.sockets.add(res.socket);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode}: not JSON (${String(err)})`));
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(text);
    });
  }

  /** One call; resolves with its result, rejects with the RPC error's message. */
  async call(method: string, params: unknown): Promise<unknown> {
    const reply = (await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params })) as RpcReply;
    if (reply.error) throw new Error(`${method} failed: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  }

  close(): void {
    this.agent.destroy();
  }
}
