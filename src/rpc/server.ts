/**
 * JSON-RPC over HTTP. We own the HTTP layer (auth before reading the body, size limit, our own
 * parse-error message) and hand parsed requests to the jayson engine.
 */
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage } from '../util/errors.js';
import { RefusalLog } from '../util/log-throttle.js';
import type { Logger } from '../util/logger.js';
import {
  COOKIE_USER,
  RPC_CLOSE_GRACE_MS,
  RPC_KEEP_ALIVE_TIMEOUT_MS,
  RPC_MAX_BATCH_REQUESTS,
  RPC_MAX_BODY_BYTES,
  RPC_MAX_CONNECTIONS_PER_ADDRESS,
  RPC_MAX_REMOTE_CONNECTIONS,
  RPC_REFUSAL_WARN_INTERVAL_MS,
  RPC_REQUEST_TIMEOUT_MS,
  RPC_SOCKET_IDLE_TIMEOUT_MS,
  RpcCode,
} from './constants.js';
import { ConnectionGate } from './connection-gate.js';
import type { MethodTable, RpcCall } from './context.js';
import { type EngineHandler, type JsonRpcEngine, createEngine } from './engine.js';
import { type JsonRpcErrorObject, toJsonRpcError } from './errors.js';
import { toJsonSafe } from './json.js';
import { unknownMethodMessage } from './methods/help.js';

export interface RpcServerOptions {
  host: string;
  port: number;
  /** The cookie secret clients must send as the Basic-auth password of user "__cookie__". */
  cookie: string;
  methods: MethodTable;
  logger: Logger;
  /** Public read-only requests answered before the cookie check (the status page and its /ws). */
  web?: PublicHttpHandler;
  /** Connection caps and idle timeout (connection-gate.ts); defaults from constants.ts (tests shorten them, or call 127.0.0.1 remote). */
  connections?: { maxRemote?: number; maxPerAddress?: number; idleTimeoutMs?: number; isLoopback?: (address: string | undefined) => boolean };
}

/** The status page as the RPC server sees it: GET/HEAD requests and WebSocket upgrades. */
export interface PublicHttpHandler {
  /** True when it answered the request (GET/HEAD); false leaves it to JSON-RPC. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

class BodyTooLarge extends Error {}

export class RpcServer {
  private readonly engine: JsonRpcEngine;
  private readonly expectedAuth: Buffer;
  private readonly logger: Logger;
  /** Refusals logged at warn once per kind a minute: no cookie, the connection caps. */
  private readonly refusals: RefusalLog;
  private readonly gate: ConnectionGate;
  private server: Server | undefined;

  constructor(private readonly options: RpcServerOptions) {
    this.logger = options.logger;
    this.refusals = new RefusalLog(options.logger, 3, RPC_REFUSAL_WARN_INTERVAL_MS);
    const limits = options.connections ?? {};
    this.gate = new ConnectionGate({
      maxRemote: limits.maxRemote ?? RPC_MAX_REMOTE_CONNECTIONS,
      maxPerAddress: limits.maxPerAddress ?? RPC_MAX_CONNECTIONS_PER_ADDRESS,
      ...(limits.isLoopback ? { isLoopback: limits.isLoopback } : {}),
    });
    this.expectedAuth = Buffer.from(`Basic ${Buffer.from(`${COOKIE_USER}:${options.cookie}`).toString('base64')}`);
    this.engine = createEngine({
      methods: this.wrapMethods(options.methods),
      unknownMethod: (name) => ({
        code: RpcCode.MethodNotFound,
        message: unknownMethodMessage(name, Object.keys(options.methods)),
        data: { code: 'method-not-found' },
      }),
      invalidRequestMessage: 'invalid request: send a JSON-RPC object like {"jsonrpc":"2.0","id":1,"method":"getinfo","params":{}} (or 1.0 style, params as an array)',
      maxBatchRequests: RPC_MAX_BATCH_REQUESTS,
    });
  }

  /** Listens and resolves with the bound address (port 0 picks a free one). */
  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = RPC_REQUEST_TIMEOUT_MS;
    server.keepAliveTimeout = RPC_KEEP_ALIVE_TIMEOUT_MS;
    // Silence on a socket with no request running (connection-gate.ts): a listener here replaces
    // Node's default, which would also cut a long-running method's socket.
    server.timeout = this.options.connections?.idleTimeoutMs ?? RPC_SOCKET_IDLE_TIMEOUT_MS;
    server.on('timeout', (socket: Socket) => this.gate.idle(socket));
    server.on('connection', (socket: Socket) => {
      const refusal = this.gate.admit(socket);
      if (refusal === undefined) return;
      this.refusals.refused(refusal, { remote: socket.remoteAddress, remoteConnections: this.gate.remoteConnections }, 'rpc connection refused: too many from addresses other than loopback (repeats within a minute are logged at debug)');
      socket.destroy();
    });
    const web = this.options.web;
    if (web !== undefined) server.on('upgrade', (req, socket, head) => web.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'rpc server error'));
    this.server = server;
    const address = server.address() as AddressInfo;
    this.logger.info({ host: address.address, port: address.port }, 'rpc listening');
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A kept-alive idle client must not hold the shutdown open; a busy one gets a grace period.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), RPC_CLOSE_GRACE_MS).unref();
    });
  }

  private wrapMethods(methods: MethodTable): Record<string, EngineHandler> {
    const wrapped: Record<string, EngineHandler> = {};
    for (const [name, handler] of Object.entries(methods)) {
      wrapped[name] = async (params, call) => {
        try {
          return toJsonSafe(await handler(params, call));
        } catch (err) {
          const { error, unexpected } = toJsonRpcError(err);
          if (unexpected) this.logger.error({ err, method: name }, 'rpc method failed unexpectedly');
          else this.logger.debug({ method: name, code: error.code, reason: error.message }, 'rpc method refused');
          throw error;
        }
      };
    }
    return wrapped;
  }

  private authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === this.expectedAuth.length && timingSafeEqual(given, this.expectedAuth);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.gate.requestStarted(req.socket, res);
    try {
      if (this.options.web?.handleHttp(req, res) === true) return;
      if (!this.authorized(req)) {
        this.refusals.refused('no-cookie', { remote: req.socket.remoteAddress }, 'rpc request without a valid cookie refused (a client needs the cookie file of this data dir; repeats within a minute are logged at debug)');
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="kadchain"', Connection: 'close' }).end();
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST', Connection: 'close' }).end();
        return;
      }
      let body: string;
      try {
        body = await readBody(req);
      } catch (err) {
        if (!(err instanceof BodyTooLarge)) throw err;
        res.writeHead(413, { Connection: 'close' }).end();
        return;
      }
      let request: unknown;
      try {
        request = JSON.parse(body);
      } catch (err) {
        const error: JsonRpcErrorObject = {
          code: RpcCode.ParseError,
          message: `parse error: the request body is not valid JSON (${errorMessage(err)})`,
          data: { code: 'parse-error' },
        };
        sendJson(res, { jsonrpc: '2.0', id: null, error });
        return;
      }
      const response = await this.engine.call(request, abortOnClose(res));
      if (response === undefined) res.writeHead(204).end();
      else sendJson(res, response);
    } catch (err) {
      this.logger.error({ err }, 'rpc request handling failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  }
}

/**
 * The request's RpcCall: its signal aborts when the client closes its connection before the
 * answer (a CLI timeout, Ctrl-C), so a long method (verifychain) stops instead of running for
 * nobody. Made on first use: most methods never look at it, and a controller and a 'close'
 * listener per call showed in the send profile.
 */
function abortOnClose(res: ServerResponse): RpcCall {
  let signal: AbortSignal | undefined;
  return {
    get signal(): AbortSignal {
      if (signal === undefined) {
        const aborter = new AbortController();
        signal = aborter.signal;
        // Closed already (the client left before the method asked): abort at once.
        if (res.closed && !res.writableEnded) aborter.abort();
        else
          res.once('close', () => {
            if (!res.writableEnded) aborter.abort();
          });
      }
      return signal;
    },
  };
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > RPC_MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
