/**
 * The /ws feed: pushes chain, mempool, peer and sync events to every client and answers their
 * read-only requests. Each event is serialised once and the same text goes to every client.
 * Bounded everywhere a client could make us hold memory or work: the number of clients, the
 * size of a message, requests per second, the unsent data per client (a client that stops
 * reading is dropped, never queued for), and events per second (a sync's thousands of blocks
 * a second are coalesced to the latest).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { TokenBucket } from '../p2p/rate-limit.js';
import { toJsonSafe } from '../rpc/json.js';
import type { Logger } from '../util/logger.js';
import {
  WS_EVENT_BURST,
  WS_EVENT_FLUSH_MS,
  WS_EVENTS_PER_SEC,
  WS_MAX_BUFFERED_BYTES,
  WS_MAX_CLIENTS,
  WS_MAX_PAYLOAD_BYTES,
  WS_MAX_REFUSED_IN_A_ROW,
  WS_PING_INTERVAL_MS,
  WS_REQUEST_BURST,
  WS_REQUESTS_PER_SEC,
  WsClose,
} from './constants.js';
import { answer, rateLimitedAnswer } from './ops.js';
import type { WebEvent, WebEventName, WebSource } from './source.js';

export interface WsLimits {
  readonly maxClients: number;
  readonly maxPayloadBytes: number;
  readonly maxBufferedBytes: number;
  readonly requestsPerSec: number;
  readonly requestBurst: number;
  readonly maxRefusedInARow: number;
  readonly eventsPerSec: number;
  readonly eventBurst: number;
  readonly eventFlushMs: number;
  readonly pingIntervalMs: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxClients: WS_MAX_CLIENTS,
  maxPayloadBytes: WS_MAX_PAYLOAD_BYTES,
  maxBufferedBytes: WS_MAX_BUFFERED_BYTES,
  requestsPerSec: WS_REQUESTS_PER_SEC,
  requestBurst: WS_REQUEST_BURST,
  maxRefusedInARow: WS_MAX_REFUSED_IN_A_ROW,
  eventsPerSec: WS_EVENTS_PER_SEC,
  eventBurst: WS_EVENT_BURST,
  eventFlushMs: WS_EVENT_FLUSH_MS,
  pingIntervalMs: WS_PING_INTERVAL_MS,
};

export interface WsHubOptions {
  readonly source: WebSource;
  readonly logger: Logger;
  readonly limits?: Partial<WsLimits>;
}

interface Client {
  readonly remote: string;
  readonly requests: TokenBucket;
  refusedInARow: number;
  alive: boolean;
}

/** Per event kind: its rate and the latest event held back, with how many it stands for. */
interface EventLane {
  readonly bucket: TokenBucket;
  pending: WebEvent | undefined;
  skipped: number;
}

export interface WsHubStats {
  readonly clients: number;
  /** Clients dropped for not reading their data. */
  readonly droppedSlow: number;
  readonly refusedFull: number;
  /** Events serialised (once each, whatever the number of clients). */
  readonly eventsBuilt: number;
}

export class WsHub {
  private readonly limits: WsLimits;
  /** Made on the first upgrade (server()): until a page connects, the node does not load ws. */
  private wss: Promise<WebSocketServer> | undefined;
  private readonly clients = new Map<WebSocket, Client>();
  private readonly lanes = new Map<WebEventName, EventLane>();
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private droppedSlow = 0;
  private refusedFull = 0;
  private eventsBuilt = 0;

  constructor(private readonly options: WsHubOptions) {
    this.limits = { ...DEFAULT_WS_LIMITS, ...options.limits };
    this.logger = options.logger;
  }

  /**
   * ws and its server, loaded on the first upgrade: an idle node nobody watches does not hold
   * them (~0.5 MB of the idle-memory figure; jayson already brings tls, https and its own ws 7).
   */
  private server(): Promise<WebSocketServer> {
    this.wss ??= import('ws').then(
      // No compression: it costs memory per client and invites compression-ratio attacks; the data is small.
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: this.limits.maxPayloadBytes, perMessageDeflate: false, clientTracking: false }),
      (err: unknown) => {
        this.wss = undefined;
        throw err;
      },
    );
    return this.wss;
  }

  get stats(): WsHubStats {
    return { clients: this.clients.size, droppedSlow: this.droppedSlow, refusedFull: this.refusedFull, eventsBuilt: this.eventsBuilt };
  }

  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.options.source.subscribe((event) => this.onEvent(event));
    this.pingTimer = setInterval(() => this.pingAll(), this.limits.pingIntervalMs).unref();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.pingTimer);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const ws of this.clients.keys()) ws.close(WsClose.GoingAway, 'the node is stopping');
    // A client that does not answer the close handshake must not hold the server's shutdown open.
    for (const ws of this.clients.keys()) setTimeout(() => ws.terminate(), 1_000).unref();
    this.clients.clear();
  }

  /** Completes the WebSocket handshake of a request the caller already checked (path, Host, Origin). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket (after the first load), a client that leaves must not raise an unhandled error.
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    this.server().then(
      (wss) => {
        socket.off('error', onError);
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
      },
      (err: unknown) => {
        this.logger.error({ err }, 'status page WebSocket refused: the ws module did not load (reinstall kadchain: npm install)');
        socket.destroy();
      },
    );
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    if (this.unsubscribe === undefined || this.clients.size >= this.limits.maxClients) {
      this.refusedFull++;
      const reason = this.unsubscribe === undefined ? 'the node is stopping' : `too many status page clients (${this.limits.maxClients}); close another tab and reconnect`;
      this.logger.warn({ remote, clients: this.clients.size }, 'status page client refused: ' + reason);
      ws.close(WsClose.TryLater, reason);
      return;
    }
    const client: Client = { remote, requests: new TokenBucket({ ratePerSec: this.limits.requestsPerSec, burst: this.limits.requestBurst }), refusedInARow: 0, alive: true };
    this.clients.set(ws, client);
    this.logger.debug({ remote, clients: this.clients.size }, 'status page client connected');
    ws.on('message', (data, isBinary) => this.onMessage(ws, client, data, isBinary));
    ws.on('pong', () => (client.alive = true));
    ws.on('close', (code) => {
      this.clients.delete(ws);
      this.logger.debug({ remote, code, clients: this.clients.size }, 'status page client left');
    });
    // ws closes the socket itself after an error (a too-big message closes with 1009).
    ws.on('error', (err) => this.logger.debug({ remote, err: err.message }, 'status page client error'));
  }

  private onMessage(ws: WebSocket, client: Client, data: RawData, isBinary: boolean): void {
    if (!client.requests.take()) {
      client.refusedInARow++;
      if (client.refusedInARow > this.limits.maxRefusedInARow) {
        this.logger.warn({ remote: client.remote }, 'status page client dropped: it kept asking faster than the rate limit');
        this.drop(ws, WsClose.Policy, 'too many requests; reconnect and ask at most a few a second');
        return;
      }
      this.send(ws, rateLimitedAnswer());
      return;
    }
    client.refusedInARow = 0;
    const text = isBinary ? '' : rawText(data);
    void answer(this.options.source, text, this.logger).then((reply) => this.send(ws, reply));
  }

  private onEvent(event: WebEvent): void {
    let lane = this.lanes.get(event.event);
    if (lane === undefined) {
      lane = { bucket: new TokenBucket({ ratePerSec: this.limits.eventsPerSec, burst: this.limits.eventBurst }), pending: undefined, skipped: 0 };
      this.lanes.set(event.event, lane);
    }
    if (lane.pending === undefined && lane.bucket.take()) {
      this.broadcast(event, 0);
      return;
    }
    // Over the rate: keep only the latest of this kind; it goes out with how many it replaced.
    if (lane.pending !== undefined) lane.skipped++;
    lane.pending = event;
    this.flushTimer ??= setTimeout(() => this.flush(), this.limits.eventFlushMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const lane of this.lanes.values()) {
      if (lane.pending === undefined) continue;
      lane.bucket.take();
      this.broadcast(lane.pending, lane.skipped);
      lane.pending = undefined;
      lane.skipped = 0;
    }
  }

  private broadcast(event: WebEvent, skipped: number): void {
    if (this.clients.size === 0) return;
    let data;
    try {
      data = toJsonSafe(event.data());
    } catch (err) {
      // Called from the chain's and the mempool's emit: a bug here must not surface there.
      this.logger.error({ err, event: event.event }, 'status page event could not be built');
      return;
    }
    this.eventsBuilt++;
    const text = JSON.stringify(skipped > 0 ? { event: event.event, data, skipped } : { event: event.event, data });
    for (const ws of [...this.clients.keys()]) this.send(ws, text);
  }

  /**
   * Sends unless the client's unsent data already passes the limit: then it is dropped, not
   * queued for. So a client holds at most the limit plus one message (a verbose block view of a
   * full block is larger than the limit, and a reading client must still get it).
   */
  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.droppedSlow++;
      this.logger.warn({ remote: this.clients.get(ws)?.remote, buffered: ws.bufferedAmount }, 'status page client dropped: it is not reading its data');
      this.clients.delete(ws);
      // Its socket is full: a close frame would wait behind the data it does not read.
      ws.terminate();
      return;
    }
    ws.send(text);
  }

  private drop(ws: WebSocket, code: number, reason: string): void {
    this.clients.delete(ws);
    ws.close(code, reason);
    setTimeout(() => ws.terminate(), 1_000).unref();
  }

  private pingAll(): void {
    for (const [ws, client] of this.clients) {
      if (!client.alive) {
        this.logger.debug({ remote: client.remote }, 'status page client dropped: no pong');
        this.clients.delete(ws);
        ws.terminate();
        continue;
      }
      client.alive = false;
      ws.ping();
    }
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
