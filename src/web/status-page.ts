/**
 * The status page on the RPC port: GET/HEAD of its fixed files and the /ws upgrade, handled
 * before the RPC server's cookie check (public, read-only chain data); every POST stays RPC.
 * Each request's Host must name this server (DNS rebinding), and a browser's /ws Origin must be
 * the page's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { RefusalLog } from '../util/log-throttle.js';
import type { Logger } from '../util/logger.js';
import { WEB_REFUSAL_WARN_INTERVAL_MS, WS_PATH } from './constants.js';
import { HostGuard } from './http-guard.js';
import { type WsHubStats, WsHub, type WsLimits } from './hub.js';
import type { WebSource } from './source.js';
import { type StaticAsset, loadAssets } from './static.js';

export interface StatusPageOptions {
  readonly source: WebSource;
  readonly logger: Logger;
  /** The RPC bind address (rpcHost): a Host header naming it is accepted. */
  readonly bindHost: string;
  readonly limits?: Partial<WsLimits>;
  /** Tests stand in for a remote host with another loopback address (WsHubOptions.isLoopback). */
  readonly isLoopback?: (address: string | undefined) => boolean;
  /** Tests pass their own files; default: src/web/public and the uplot package. */
  readonly assets?: ReadonlyMap<string, StaticAsset>;
}

const HOST_REFUSED = 'this node answers only to its own address (open http://127.0.0.1:<rpc port>/ or http://localhost:<rpc port>/)\n';

export class StatusPage {
  private readonly assets: ReadonlyMap<string, StaticAsset>;
  private readonly guard: HostGuard;
  private readonly hub: WsHub;
  /** Anyone can send a foreign Host or Origin: a few warn lines, the rest at debug. */
  private readonly refusals: RefusalLog;

  constructor(options: StatusPageOptions) {
    this.refusals = new RefusalLog(options.logger, REFUSAL_KINDS, WEB_REFUSAL_WARN_INTERVAL_MS);
    this.assets = options.assets ?? loadAssets();
    this.guard = new HostGuard({ bindHost: options.bindHost });
    this.hub = new WsHub({
      source: options.source,
      logger: options.logger,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.isLoopback === undefined ? {} : { isLoopback: options.isLoopback }),
    });
  }

  get stats(): WsHubStats {
    return this.hub.stats;
  }

  start(): void {
    this.hub.start();
  }

  stop(): void {
    this.hub.stop();
  }

  /** True when the request was the page's (GET or HEAD) and has been answered; anything else is RPC's. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const host = this.guard.checkHost(req.headers.host, req.socket);
    if (host === undefined) {
      this.refusals.refused('host', { remote: req.socket.remoteAddress, host: req.headers.host?.slice(0, 100) }, 'status page request with a foreign Host header refused (DNS rebinding?)');
      sendText(res, 403, HOST_REFUSED);
      return true;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === WS_PATH) {
      sendText(res, 426, 'this is the status page\'s WebSocket feed: connect with a WebSocket client\n', { Upgrade: 'websocket' });
      return true;
    }
    const asset = this.assets.get(path);
    if (asset === undefined) {
      sendText(res, 404, 'not found: the status page is at /\n');
      return true;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': asset.contentType,
      'Cache-Control': asset.cacheControl,
      ETag: asset.etag,
      'Content-Security-Policy': `default-src 'self'; connect-src 'self' ws://${host.host}; img-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      ...SECURITY_HEADERS,
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'Content-Length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  }

  /** The HTTP server's `upgrade` event: only /ws, only with our Host and the page's own Origin (or none). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const host = this.guard.checkHost(req.headers.host, req.socket);
    const refuse = (status: number, reason: string): void => {
      this.refusals.refused(`upgrade-${status}`, { remote: req.socket.remoteAddress, host: req.headers.host?.slice(0, 100), origin: req.headers.origin?.slice(0, 100) }, `status page WebSocket refused: ${reason}`);
      const body = `${reason}\n`;
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (path !== WS_PATH) return refuse(404, `no WebSocket at ${path.slice(0, 100)}: the feed is at ${WS_PATH}`);
    if (host === undefined) return refuse(403, 'foreign Host header (DNS rebinding?)');
    if (!HostGuard.checkOrigin(req.headers.origin, host)) return refuse(403, 'cross-origin WebSocket: only the node\'s own page may connect');
    this.hub.handleUpgrade(req, socket, head);
  }
}

/** Kinds of refusal logged here: a foreign Host on a GET, and the upgrade's 403 and 404. */
const REFUSAL_KINDS = 4;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...SECURITY_HEADERS, ...extra }).end(text);
}
