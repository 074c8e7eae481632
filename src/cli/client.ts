/**
 * A minimal JSON-RPC client over node:http: the CLI's start-up time matters (a target of
 * < 150 ms per `cli balance`), so no RPC library is loaded here.
 */
import { request } from 'node:http';
import { COOKIE_USER } from '../rpc/constants.js';
import type { JsonValue } from '../rpc/json.js';
import { CliError } from './errors.js';

export interface RpcTarget {
  host: string;
  port: number;
  /** The cookie secret; undefined when the cookie file is missing (the call is still tried). */
  cookie: string | undefined;
  cookieFile: string;
  /** One-line hint on how to start a node matching these settings. */
  startHint: string;
}

interface RpcReply {
  result?: JsonValue;
  error?: { code: number; message: string; data?: { code?: string } };
}

export class RpcCallError extends CliError {
  readonly rpcCode: number;
  readonly dataCode: string | undefined;

  constructor(rpcCode: number, message: string, dataCode: string | undefined) {
    super('rpc-error', message);
    this.rpcCode = rpcCode;
    this.dataCode = dataCode;
  }
}

export async function callRpc(target: RpcTarget, method: string, params: Record<string, unknown>, timeoutMs: number): Promise<JsonValue> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const where = `${target.host}:${target.port}`;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    if (target.cookie !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${COOKIE_USER}:${target.cookie}`).toString('base64')}`;
    const req = request({ host: target.host, port: target.port, method: 'POST', path: '/', headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new CliError('rpc-failed', `the node at ${where} did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof CliError) reject(err);
      else if (err.code === 'ECONNREFUSED') reject(new CliError('no-node', `no kadchain node is answering at ${where} (start one with: ${target.startHint})`));
      else reject(new CliError('rpc-failed', `lost the connection to the node at ${where}: ${err.message}`));
    });
    req.end(body);
  });
  if (status === 401) {
    if (target.cookie === undefined) {
      throw new CliError('no-cookie', `cannot read the RPC cookie ${target.cookieFile}: the file does not exist (the node may not be running, or uses another --datadir)`);
    }
    throw new CliError('auth-failed', `the node at ${where} refused the cookie in ${target.cookieFile} (is that node using another --datadir?)`);
  }
  let reply: RpcReply;
  try {
    reply = JSON.parse(text) as RpcReply;
  } catch {
    throw new CliError('rpc-failed', `the node at ${where} answered HTTP ${status} without a JSON-RPC reply`);
  }
  if (reply.error !== undefined) throw new RpcCallError(reply.error.code, reply.error.message, reply.error.data?.code);
  return reply.result ?? null;
}
