/**
 * The /ws feed: pushes chain, mempool, peer and sync events to every client and answers their
 * read-only requests. Each event is serialised once and the same text goes to every client.
 * Bounded everywhere a client could make us hold memory or work: the number of clients (in all,
 * per address, and a share kept for loopback), the size of a message, the cost of its requests
 * per second (cost.ts: a block read costs more than a status), one request of a client running at
 * a time with a bounded queue behind it, the unsent data per client (checked before building an
 * answer; a client that stops reading is dropped, never queued for), and events per second (a
 * sync's thousands of blocks a second are coalesced to the latest).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { TokenBucket } from '../p2p/rate-limit.js';
import { toJsonSafe } from '../rpc/json.js';
import { RefusalLog } from '../util/log-throttle.js';
import type { Logger } from '../util/logger.js';
import { clientIpKey, isLoopbackIp } from './client-ip.js';
import { WEB_REFUSAL_WARN_INTERVAL_MS, WsClose } from './constants.js';
import { DEFAULT_WS_LIMITS, type WsLimits } from './limits.js';
import { ClientRequests } from './client-requests.js';
import type { WebEvent, WebEventName, WebSource } from './source.js';

export { DEFAULT_WS_LIMITS, type WsLimits } from './limits.js';

export interface WsHubOptions {
  readonly source: WebSource;
  readonly logger: Logger;
  readonly limits?: Partial<WsLimits>;
  /** Tests stand in for a remote host with another loopback address; default: 127.0.0.0/8 and ::1. */
  readonly isLoopback?: (address: string | undefined) => boolean;
}

interface Client {
  readonly remote: string;
  /** Its IPv4 address or IPv6 /64 (client-ip.ts): what the per-address cap counts. */
  readonly ipKey: string;
  readonly loopback: boolean;
  readonly requests: ClientRequests;
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
  /** What clients not on loopback spend together (WS_REMOTE_COST_UNITS_PER_SEC). */
  private readonly remoteBudget: TokenBucket;
  private readonly logger: Logger;
  private readonly refusals: RefusalLog;
  private readonly isLoopback: (address: string | undefined) => boolean;
  private unsubscribe: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private droppedSlow = 0;
  private refusedFull = 0;
  private eventsBuilt = 0;

  constructor(private readonly options: WsHubOptions) {
    this.limits = { ...DEFAULT_WS_LIMITS, ...options.limits };
    this.logger = options.logger;
    this.refusals = new RefusalLog(options.logger, REFUSAL_KINDS, WEB_REFUSAL_WARN_INTERVAL_MS);
    this.isLoopback = options.isLoopback ?? isLoopbackIp;
    this.remoteBudget = new TokenBucket({ ratePerSec: this.limits.remoteCostPerSec, burst: this.limits.remoteCostBurst });
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
    const address = req.socket.remoteAddress;
    const remote = `${address ?? '?'}:${req.socket.remotePort ?? '?'}`;
    // First, before any refusal: a refused client is read until its close completes, and ws reports
    // a bad or too-big frame as an 'error' that, with no listener, would end the whole process.
    // ws closes the socket itself after an error (a too-big message closes with 1009).
    ws.on('error', (err) => this.logger.debug({ remote, err: err.message }, 'status page client error'));
    const ipKey = clientIpKey(address);
    const loopback = this.isLoopback(address);
    const refusal = this.refusal(ipKey, loopback);
    if (refusal !== undefined) {
      this.refusedFull++;
      this.refusals.refused(refusal.kind, { remote, clients: this.clients.size }, 'status page client refused: ' + refusal.reason);
      ws.close(WsClose.TryLater, refusal.reason);
      return;
    }
    const requests = new ClientRequests(this.options.source, this.logger, this.limits, loopback ? undefined : this.remoteBudget, {
      isCurrent: () => this.clients.get(ws) === client,
      bufferedAmount: () => ws.bufferedAmount,
      send: (text) => this.send(ws, text),
      dropSlow: () => this.dropSlow(ws),
      dropForRate: () => {
        this.refusals.refused('rate', { remote }, 'status page client dropped: it kept asking faster than the rate limit');
        this.drop(ws, WsClose.Policy, 'too many requests; reconnect and ask at most a few a second');
      },
    });
    const client: Client = { remote, ipKey, loopback, requests, alive: true };
    this.clients.set(ws, client);
    this.logger.debug({ remote, clients: this.clients.size }, 'status page client connected');
    ws.on('message', (data, isBinary) => client.requests.receive(isBinary ? '' : rawText(data)));
    ws.on('pong', () => (client.alive = true));
    ws.on('close', (code) => {
      this.clients.delete(ws);
      client.requests.clear();
      this.logger.debug({ remote, code, clients: this.clients.size }, 'status page client left');
    });
  }

  /** Why a new client from `ipKey` may not join now (a close reason of at most 123 bytes), or undefined. */
  private refusal(ipKey: string, loopback: boolean): { kind: string; reason: string } | undefined {
    const { maxClients, maxClientsPerIp, loopbackReservedClients } = this.limits;
    if (this.unsubscribe === undefined) return { kind: 'stopping', reason: 'the node is stopping' };
    if (this.clients.size >= maxClients) return { kind: 'full', reason: `too many status page clients (${maxClients}); close another tab and reconnect` };
    let sameIp = 0;
    let remote = 0;
    for (const c of this.clients.values()) {
      if (c.ipKey === ipKey) sameIp++;
      if (!c.loopback) remote++;
    }
    if (sameIp >= maxClientsPerIp) return { kind: 'per-ip', reason: `too many status page clients from your address (${maxClientsPerIp}); close another tab and reconnect` };
    if (!loopback && remote >= maxClients - loopbackReservedClients) {
      return { kind: 'reserved', reason: `the status page is full for other hosts (${maxClients - loopbackReservedClients}); try again later` };
    }
    return undefined;
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
      this.dropSlow(ws);
      return;
    }
    ws.send(text);
  }

  private dropSlow(ws: WebSocket): void {
    this.droppedSlow++;
    this.refusals.refused('slow', { remote: this.clients.get(ws)?.remote, buffered: ws.bufferedAmount }, 'status page client dropped: it is not reading its data');
    this.clients.delete(ws);
    // Its socket is full: a close frame would wait behind the data it does not read.
    ws.terminate();
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

/** Kinds of refusal logged (refusal(), refuse(), dropSlow()): each gets its own warn line per interval. */
const REFUSAL_KINDS = 8;

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
