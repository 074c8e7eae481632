/**
 * One try of a punch, in either role, as an explicit state machine (DCUtR's exchange):
 *
 *   initiator: awaiting-accept ─accept→ waiting (½ relay RTT) → dialing → handshaking → done
 *   responder:                 awaiting-sync ─sync→ dialing → handshaking → done
 *
 * The initiator measures the relay round trip from its connect to the far end's accept, sends
 * sync and waits half of it, so both SYNs leave at about the moment the sync reaches the far
 * end. Every state has one deadline; a refusal or a timeout ends the try with a reason.
 */
import { isIPv4, isIPv6, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { classifyAddress, type AddressClass } from '../netgroup.js';
import type { Peer } from '../peer.js';
import type { PunchMessage, PunchReason } from '../wire/index.js';
import { PUNCH_DIAL_WINDOW_MS, PUNCH_READY_TIMEOUT_MS, PUNCH_SIGNAL_TIMEOUT_MS } from './constants.js';
import { NO_IP } from './punch-relay.js';
import type { SimultaneousOpenOptions } from './simultaneous-open.js';

export type PunchRole = 'initiator' | 'responder';
export type PunchTryStateName = 'awaiting-accept' | 'awaiting-sync' | 'waiting' | 'dialing' | 'handshaking' | 'done';

export type PunchTryOutcome =
  | { readonly ok: true; readonly peer: Peer; readonly address: string; readonly rttMs: number | undefined }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly refusal: PunchReason | undefined;
      /** The refusal came from the relay itself (its `ip` is unspecified), not from the far end. */
      readonly byRelay?: boolean | undefined;
    };

export interface PunchTryOptions {
  readonly role: PunchRole;
  readonly attemptId: bigint;
  readonly farIdHex: string;
  /** The peer both ends are connected to. */
  readonly relay: Peer;
  readonly localPort: number;
  /** Responder only: the initiator's address as the relay saw it, and its announced port. */
  readonly far?: { readonly ip: string; readonly port: number } | undefined;
  readonly dial: (options: SimultaneousOpenOptions) => Promise<Socket>;
  /** Starts a session on the punched socket. */
  readonly attach: (socket: Socket) => Peer;
  /** Why we may not dial the far end's address (banned, discouraged, its /16 taken), or undefined. */
  readonly checkFar?: ((ip: string) => string | undefined) | undefined;
  readonly logger: Logger;
}

export class PunchTry {
  readonly options: PunchTryOptions;
  readonly result: Promise<PunchTryOutcome>;
  private stateName: PunchTryStateName;
  private settle!: (outcome: PunchTryOutcome) => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private sentAtMs = Date.now();
  private rttMs: number | undefined;
  private far: { ip: string; port: number } | undefined;
  /** Set by cancel(): the try ends without a word to the far end. */
  private silent = false;
  /** The session on the punched socket, once there is one. */
  private peer: Peer | undefined;

  constructor(options: PunchTryOptions) {
    this.options = options;
    this.far = options.far;
    this.result = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.stateName = options.role === 'initiator' ? 'awaiting-accept' : 'awaiting-sync';
  }

  get state(): PunchTryStateName {
    return this.stateName;
  }

  get relayIdHex(): string {
    return this.options.relay.provenNodeId?.toString('hex') ?? '';
  }

  /** Sends the opening message of this role: connect (initiator) or accept (responder). */
  start(): void {
    const phase = this.options.role === 'initiator' ? 'connect' : 'accept';
    this.sentAtMs = Date.now();
    this.sendToFar(phase, 'none', this.options.localPort);
    this.deadline(PUNCH_SIGNAL_TIMEOUT_MS, `the far end did not ${phase === 'connect' ? 'accept' : 'send sync'} within ${PUNCH_SIGNAL_TIMEOUT_MS} ms`);
  }

  /** A from-relay punch message of this try (the caller matched id and relay). */
  onMessage(msg: PunchMessage): void {
    if (msg.phase === 'refuse') {
      const byRelay = msg.ip === NO_IP;
      return this.finish({ ok: false, reason: `refused${byRelay ? ' by the relay' : ''}: ${msg.reason}`, refusal: msg.reason, byRelay });
    }
    if (this.options.role === 'initiator' && msg.phase === 'accept' && this.stateName === 'awaiting-accept') {
      this.rttMs = Date.now() - this.sentAtMs;
      this.far = { ip: msg.ip, port: msg.port };
      this.sendToFar('sync', 'none', 0);
      this.enter('waiting');
      this.clearDeadline(); // the far end answered: from here the wait (½ RTT) and the dial window bound the try
      // Half the round trip: the sync is then about to reach the far end, which dials at once.
      void sleep(this.rttMs / 2, undefined, { signal: this.abort.signal }).then(() => this.dial(), () => undefined);
      return;
    }
    if (this.options.role === 'responder' && msg.phase === 'sync' && this.stateName === 'awaiting-sync') return void this.dial();
    // Anything else (a repeated or out-of-order step) is ignored: the deadline decides.
  }

  /** Ends the try from outside (shutdown, the far end's newer try, the relay gone): nothing is sent to the far end. */
  cancel(reason: string): void {
    this.silent = true;
    this.finish({ ok: false, reason, refusal: undefined });
  }

  /** Ends the try if it still needs the relay (before the dial); a try already dialling goes on. */
  cancelWhileSignalling(reason: string): void {
    // 'waiting': our sync is out, the far end may be dialling already; the window decides.
    if (this.stateName === 'awaiting-accept' || this.stateName === 'awaiting-sync') this.cancel(reason);
  }

  /** Tells the far end we give up (best effort) and ends the try. */
  refuse(reason: PunchReason, text: string): void {
    this.sendToFar('refuse', reason, 0);
    this.finish({ ok: false, reason: text, refusal: reason });
  }

  private async dial(): Promise<void> {
    const far = this.far;
    if (this.stateName === 'done' || far === undefined) return;
    // A relay's socket never sees an unspecified address; a connect to one reaches our own host (0.0.0.0 is 127.0.0.1).
    if (isUnspecifiedIp(far.ip)) return this.refuseOurselves(`the relay gave the unspecified address ${far.ip}`);
    // The relay saw the far end from where it stands: an address more local than the relay's own (our loopback, a LAN
    // seen from the internet) is not where the far end is for us, and a lying relay would aim us at our own services.
    const relayIp = this.options.relay.ip;
    if (LOCALITY[classifyAddress(far.ip)] < LOCALITY[classifyAddress(relayIp)]) {
      return this.refuseOurselves(`the relay (${relayIp}) gave ${far.ip}, an address more local than its own`);
    }
    const forbidden = this.options.checkFar?.(far.ip);
    if (forbidden !== undefined) return this.refuseOurselves(forbidden);
    this.enter('dialing');
    this.clearDeadline();
    const address = `${far.ip}:${far.port}`;
    this.options.logger.debug({ address, localPort: this.options.localPort, role: this.options.role, rttMs: this.rttMs }, 'punch: dialling');
    let socket: Socket;
    try {
      socket = await this.options.dial({ host: far.ip, port: far.port, localPort: this.options.localPort, windowMs: PUNCH_DIAL_WINDOW_MS, signal: this.abort.signal });
    } catch (err) {
      return this.finish({ ok: false, reason: `simultaneous open failed: ${errorMessage(err)}`, refusal: undefined });
    }
    if (this.isDone()) return void socket.destroy();
    this.enter('handshaking');
    const peer = this.options.attach(socket);
    this.peer = peer;
    this.deadline(PUNCH_READY_TIMEOUT_MS, `connected to ${address} but the session was not ready within ${PUNCH_READY_TIMEOUT_MS} ms`);
    const onClose = (why: string): void => this.finish({ ok: false, reason: `the punched connection closed before the session was ready (${peer.refusal?.code ?? why})`, refusal: undefined });
    peer.once('ready', () => {
      // Left on the link, this listener would keep the try (its relay session, its closures) for the link's lifetime.
      peer.off('close', onClose);
      if (peer.provenNodeId?.toString('hex') !== this.options.farIdHex) {
        peer.close('punched connection reached a different node');
        return this.finish({ ok: false, reason: `the connection to ${address} reached a different node`, refusal: undefined });
      }
      this.finish({ ok: true, peer, address, rttMs: this.rttMs });
    });
    peer.once('close', onClose);
  }

  private sendToFar(phase: PunchMessage['phase'], reason: PunchReason, port: number): void {
    this.options.relay.send({ kind: 'punch', hop: 'to-relay', phase, reason, attemptId: this.options.attemptId, nodeId: Buffer.from(this.options.farIdHex, 'hex'), ip: NO_IP, port });
  }

  /**
   * Our own rules forbid dialling the far end's address: tell it we give up, and end the try as
   * refused, so the punch does not try again for the same answer.
   */
  private refuseOurselves(text: string): void {
    this.sendToFar('refuse', 'none', 0);
    this.finish({ ok: false, reason: text, refusal: 'not-wanted' });
  }

  /** A method, not a field read: the state changes while dial() awaits, which narrowing cannot see. */
  private isDone(): boolean {
    return this.stateName === 'done';
  }

  private enter(name: PunchTryStateName): void {
    this.stateName = name;
  }

  private deadline(ms: number, reason: string): void {
    this.clearDeadline();
    this.timer = setTimeout(() => this.finish({ ok: false, reason, refusal: undefined }), ms);
  }

  private clearDeadline(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private finish(outcome: PunchTryOutcome): void {
    if (this.stateName === 'done') return;
    this.enter('done');
    this.clearDeadline();
    this.abort.abort();
    // A failed try leaves no half-open session behind (a successful one hands its peer over).
    if (!outcome.ok && this.peer !== undefined && !this.peer.isReady) this.peer.close(`punch failed: ${outcome.reason}`);
    // Tell the far end we gave up (best effort), unless it refused: its try would otherwise hold a slot
    // until its own deadline and answer our next try 'busy'. Reason 'none' in a refuse: "given up".
    if (!outcome.ok && outcome.refusal === undefined && !this.silent) this.sendToFar('refuse', 'none', 0);
    this.settle(outcome);
  }
}

/** How local an address class is: a far end may be no more local than the relay that saw it. */
const LOCALITY: Record<AddressClass, number> = { loopback: 0, private: 1, public: 2 };

/** 0.0.0.0/8 or ::, as the wire decodes them (IPv4-mapped addresses come out as IPv4). */
function isUnspecifiedIp(ip: string): boolean {
  return isIPv4(ip) ? ip.startsWith('0.') : isIPv6(ip) && /^[0:]+$/.test(ip);
}
