/**
 * A minimal JSON-RPC client: one HTTP/1.1 POST written on a node:net socket, the reply read until
 * its Content-Length (or the close). A client command's time is mostly Node start-up, and
 * node:http on top of node:net costs ~6 ms of CPU per command here (its client, agent, server and
 * parser modules; measured in docs/architecture.md "CLI start-up"), for one request to a server
 * we wrote. So no RPC library and no node:http here.
 */
import { connect } from 'node:net';
import { COOKIE_USER } from '../rpc/constants.js';
import type { JsonValue } from '../rpc/json.js';
import { RPC_MAX_REPLY_BYTES } from './constants.js';
import { CliError } from './errors.js';

export interface RpcTarget {
  host: string;
  port: number;
  /** The cookie secret; undefined when the cookie file is missing (the call is still tried). */
  cookie: string | undefined;
  cookieFile: string;
  /** One-line hint on how to start a node matching these settings. */
  startHint: string;
  /** Default RPC_MAX_REPLY_BYTES (tests set a small one). */
  maxReplyBytes?: number;
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

interface HttpReply {
  status: number;
  text: string;
}

const HEADER_END = '\r\n\r\n';

/** Decodes a chunked body (our server always sends Content-Length, but any HTTP/1.1 server may chunk). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The status and body of a complete reply in `raw`, or undefined while more is to come (`ended`: the server closed). */
function parseReply(raw: Buffer, ended: boolean): HttpReply | undefined {
  const headerEnd = raw.indexOf(HEADER_END);
  if (headerEnd === -1) return ended ? { status: 0, text: '' } : undefined;
  const head = raw.subarray(0, headerEnd).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const body = raw.subarray(headerEnd + HEADER_END.length);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  if (length !== undefined) {
    if (body.length < Number(length)) return ended ? { status, text: body.toString('utf8') } : undefined;
    return { status, text: body.subarray(0, Number(length)).toString('utf8') };
  }
  if (!ended) return undefined;
  return { status, text: (/\r\ntransfer-encoding:\s*chunked/i.test(head) ? unchunk(body) : body).toString('utf8') };
}

/**
 * Nothing listens at the RPC address. A cookie in the data dir means a node using it is running
 * (or was killed): then "start one" would be refused by its lock, so the hint says to look at
 * the port instead.
 */
function noNode(target: RpcTarget, where: string): CliError {
  if (target.cookie === undefined) return new CliError('no-node', `no kadchain node is answering at ${where} (start one with: ${target.startHint})`);
  return new CliError('no-node', `no kadchain node is answering at ${where}, yet ${target.cookieFile} exists: the node using that data dir listens on another --rpc-port (its start log says which), or it was killed (start it again with: ${target.startHint})`);
}

/** One POST of `body` to `/`, answered or failed with a CliError a person can act on. */
function post(target: RpcTarget, method: string, body: string, timeoutMs: number): Promise<HttpReply> {
  const where = `${target.host}:${target.port}`;
  const hostHeader = target.host.includes(':') ? `[${target.host}]:${target.port}` : where;
  const headers = [`POST / HTTP/1.1`, `Host: ${hostHeader}`, 'Connection: close', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`];
  if (target.cookie !== undefined) headers.push(`Authorization: Basic ${Buffer.from(`${COOKIE_USER}:${target.cookie}`).toString('base64')}`);
  return new Promise<HttpReply>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const maxReplyBytes = target.maxReplyBytes ?? RPC_MAX_REPLY_BYTES;
    const socket = connect({ host: target.host, port: target.port });
    const finish = (ended: boolean): void => {
      if (settled) return;
      const reply = parseReply(Buffer.concat(chunks), ended);
      if (reply === undefined) return;
      settled = true;
      socket.destroy();
      resolve(reply);
    };
    const fail = (err: CliError): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new CliError('rpc-failed', `the node at ${where} did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s`)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxReplyBytes) return fail(new CliError('rpc-failed', `the node at ${where} answered "${method}" with more than ${maxReplyBytes} bytes (is --rpc-host/--rpc-port a kadchain node?)`));
      chunks.push(chunk);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') fail(noNode(target, where));
      else fail(new CliError('rpc-failed', `lost the connection to the node at ${where}: ${err.message}`));
    });
    // write, not end: a half-close before the reply makes some servers close without answering.
    socket.write(`${headers.join('\r\n')}${HEADER_END}${body}`);
  });
}

export async function callRpc(target: RpcTarget, method: string, params: Record<string, unknown>, timeoutMs: number): Promise<JsonValue> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const where = `${target.host}:${target.port}`;
  const { status, text } = await post(target, method, body, timeoutMs);
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
