/**
 * The prober's side of the reachability check (AutoNAT's idea): a peer asks "dial me back on
 * port N"; we dial N at the peer's IP *as our socket sees it* — the request has no address
 * field, so nobody can aim our dials at a third party — write one `probe` frame with the
 * peer's nonce and close. Rate-limited per requester IP and in total; the answer is a
 * `dial-back-result`. Peers we failed to dial back are remembered for a while: they are the
 * punch candidates we list for others.
 */
import type { Socket } from 'node:net';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { dialTcp } from '../dial.js';
import { classifyAddress, hostKey, netGroup } from '../netgroup.js';
import type { Peer } from '../peer.js';
import { encodeMessageFrame, type DialBackMessage, type DialBackStatus } from '../wire/index.js';
import {
  DIAL_BACK_CONNECT_TIMEOUT_MS,
  DIAL_BACK_LIMIT_KEYS,
  DIAL_BACK_LINGER_MS,
  DIAL_BACK_PER_IP_BURST,
  DIAL_BACK_PER_IP_PER_SEC,
  MAX_DIAL_BACKS_IN_FLIGHT,
  MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP,
  MAX_UNREACHABLE_REMEMBERED,
  UNREACHABLE_MEMORY_MS,
} from './constants.js';
import { KeyedLimits } from './keyed-limits.js';
import { TimedEntries, type TimedEntry } from '../timed-entries.js';

export interface DialBackServerOptions {
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  /** Default: a real TCP connect with a timeout. */
  readonly dial?: ((host: string, port: number, timeoutMs: number) => Promise<Socket>) | undefined;
}

export interface DialBackServerStats {
  readonly served: number;
  readonly connected: number;
  readonly failed: number;
  readonly refused: number;
}

export class DialBackServer {
  private readonly options: DialBackServerOptions;
  private readonly now: () => number;
  private readonly perIp: KeyedLimits;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Dials in flight per requester /16 (public addresses only); at most MAX_DIAL_BACKS_IN_FLIGHT keys. */
  private readonly inFlightByGroup = new Map<string, number>();
  private readonly probeSockets = new Set<Socket>();
  /** Node ids (hex) we failed to dial back, each for UNREACHABLE_MEMORY_MS; oldest first out. */
  private readonly unreachable: TimedEntries<TimedEntry>;
  private stopped = false;
  private counts = { served: 0, connected: 0, failed: 0, refused: 0 };

  constructor(options: DialBackServerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.unreachable = new TimedEntries(this.now);
    this.perIp = new KeyedLimits({ ratePerSec: DIAL_BACK_PER_IP_PER_SEC, burst: DIAL_BACK_PER_IP_BURST, maxKeys: DIAL_BACK_LIMIT_KEYS, now: options.now });
  }

  stats(): DialBackServerStats {
    return { ...this.counts };
  }

  /** Whether we failed to dial this peer back within UNREACHABLE_MEMORY_MS. */
  wasUnreachable(idHex: string): boolean {
    return this.unreachable.isLive(idHex);
  }

  /** Serves one request of a ready peer; the answer goes back on the peer's session. */
  onRequest(peer: Peer, msg: DialBackMessage): void {
    const reply = (status: DialBackStatus): void => {
      this.counts[status === 'connected' ? 'connected' : status === 'connect-failed' ? 'failed' : 'refused']++;
      peer.send({ kind: 'dial-back-result', nonce: msg.nonce, status });
    };
    if (this.stopped) return;
    this.counts.served++;
    if (msg.port === 0) return reply('bad-port');
    // Loopback and private requesters are exempt from the per-/16 share: a local network is one group.
    const group = classifyAddress(peer.ip) === 'public' ? netGroup(peer.ip) : undefined;
    const groupBusy = group !== undefined && (this.inFlightByGroup.get(group) ?? 0) >= MAX_DIAL_BACKS_IN_FLIGHT_PER_NETGROUP;
    if (this.inFlight.size >= MAX_DIAL_BACKS_IN_FLIGHT || groupBusy || !this.perIp.take(hostKey(peer.ip))) return reply('refused');
    const idHex = peer.provenNodeId?.toString('hex');
    const dial = (this.options.dial ?? dialTcp)(peer.ip, msg.port, DIAL_BACK_CONNECT_TIMEOUT_MS);
    this.inFlight.add(dial);
    if (group !== undefined) this.inFlightByGroup.set(group, (this.inFlightByGroup.get(group) ?? 0) + 1);
    dial
      .then((socket) => {
        if (this.stopped) return void socket.destroy();
        if (idHex !== undefined) this.unreachable.delete(idHex);
        this.sendProbe(socket, msg.nonce);
        reply('connected');
      })
      .catch((err: unknown) => {
        if (idHex !== undefined) this.rememberUnreachable(idHex);
        this.options.logger.debug({ peer: peer.label, port: msg.port, err: errorMessage(err) }, 'dial-back failed');
        reply('connect-failed');
      })
      .finally(() => {
        this.inFlight.delete(dial);
        if (group === undefined) return;
        const left = (this.inFlightByGroup.get(group) ?? 1) - 1;
        if (left > 0) this.inFlightByGroup.set(group, left);
        else this.inFlightByGroup.delete(group);
      });
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.probeSockets) socket.destroy();
    this.probeSockets.clear();
  }

  private rememberUnreachable(idHex: string): void {
    this.unreachable.set({ key: idHex, untilMs: this.now() + UNREACHABLE_MEMORY_MS });
    this.unreachable.trim(MAX_UNREACHABLE_REMEMBERED);
  }

  /** One frame, then close; destroyed after DIAL_BACK_LINGER_MS whatever the other side does. */
  private sendProbe(socket: Socket, nonce: bigint): void {
    if (this.stopped) return void socket.destroy();
    this.probeSockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('data', () => undefined); // the other side's handshake: read and drop
    const timer = setTimeout(() => socket.destroy(), DIAL_BACK_LINGER_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      this.probeSockets.delete(socket);
    });
    socket.end(encodeMessageFrame({ kind: 'probe', nonce }));
  }
}
