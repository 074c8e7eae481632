/**
 * A JSON-RPC client for the soak: one keep-alive HTTP agent per node with a fixed socket cap, so
 * the load adds a known number of connections to each node's file descriptors, and the cookie is
 * read once (the node keeps it for its whole run).
 */
import { Agent, request } from 'node:http';
import { readCookie } from '../../../src/rpc/cookie.js';
import { RpcFailure } from '../harness.js';

/** A call that hangs this long is a stuck node: the soak fails rather than waiting for ever. */
const RPC_CALL_TIMEOUT_MS = 60_000;
/**
 * Idle keep-alive sockets are closed by us before the node's HTTP server closes them (Node's
 * keepAliveTimeout, 5 s): otherwise a request written as the server's FIN arrives meets ECONNRESET.
 */
const IDLE_SOCKET_TIMEOUT_MS = 2_000;

export class SoakRpc {
  private readonly agent: Agent;
  private readonly auth: string;
  private nextId = 1;

  constructor(
    private readonly port: number,
    dataDir: string,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_TIMEOUT_MS });
    const cookie = readCookie(dataDir) ?? '';
    this.auth = `Basic ${Buffer.from(`__cookie__:${cookie}`).toString('base64')}`;
  }

  /** Resolves with the result, rejects with RpcFailure (the node refused) or a transport error. */
  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/',
          agent: this.agent,
          timeout: RPC_CALL_TIMEOUT_MS,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: this.auth },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              const parsed = JSON.parse(text) as { result?: T; error?: { code: number; message: string; data?: unknown } };
              if (parsed.error !== undefined) reject(new RpcFailure(parsed.error.code, parsed.error.message, parsed.error.data));
              else resolve(parsed.result as T);
            } catch {
              reject(new Error(`${method}: HTTP ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method}: no answer within ${RPC_CALL_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The stable string code of a refusal (data.code), or undefined for anything that is not one. */
export function refusalCode(err: unknown): string | undefined {
  if (!(err instanceof RpcFailure)) return undefined;
  const data = err.data as { code?: unknown } | undefined;
  return typeof data?.code === 'string' ? data.code : `rpc ${err.code}`;
}
