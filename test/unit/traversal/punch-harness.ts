/**
 * Drives a Puncher with fakes: a scripted relay (a FakePeer whose sent messages the test reads
 * and whose answers it injects with onFromRelay), an injected dial and port picker, and a fake
 * peer set whose punched sessions become 'ready' with whatever node id the test says.
 */
import type { Socket } from 'node:net';
import { Puncher } from '../../../src/p2p/traversal/puncher.js';
import type { SimultaneousOpenOptions } from '../../../src/p2p/traversal/simultaneous-open.js';
import type { PunchMessage, PunchReason } from '../../../src/p2p/wire/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { FakePeer, FakePeers, nodeId, nodeIdHex } from './fakes.js';

export const OWN = 0x10;
export const FAR = 0x20;

export interface DialCall {
  readonly options: SimultaneousOpenOptions;
  readonly atMs: number;
  resolve(socket: Socket): void;
  reject(err: Error): void;
}

export type DialMode = 'ok' | 'fail' | 'hang';

export function fakeSocket(): Socket & { destroyedByTest: boolean } {
  const s = { destroyedByTest: false, destroy() { s.destroyedByTest = true; } };
  return s as unknown as Socket & { destroyedByTest: boolean };
}

export function punchHarness(options: { dial?: DialMode; readyAs?: number | 'never' | 'close'; blocker?: { reason: PunchReason; text: string }; pickPortDelayMs?: number; pickPortFails?: boolean } = {}) {
  const peers = new FakePeers();
  const dials: DialCall[] = [];
  let nextPort = 50_000;
  const ports: number[] = [];
  const state = { dial: options.dial ?? 'ok', readyAs: options.readyAs ?? FAR, blocker: options.blocker };
  const punched: FakePeer[] = [];
  peers.onAttach = () => {
    const p = new FakePeer('5.5.5.5', undefined);
    p.ready = false;
    punched.push(p);
    setImmediate(() => {
      if (state.readyAs === 'never') return;
      if (state.readyAs === 'close') return void p.close('handshake-timeout');
      p.provenNodeId = nodeId(state.readyAs);
      p.ready = true;
      p.emit('ready');
    });
    return p;
  };
  const puncher = new Puncher({
    peers,
    ownIdHex: nodeIdHex(OWN),
    blocker: () => state.blocker,
    logger: silentLogger(),
    pickPort: async () => {
      if (options.pickPortDelayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.pickPortDelayMs));
      if (options.pickPortFails === true) throw new Error('listen EMFILE: too many open files');
      const port = nextPort++;
      ports.push(port);
      return port;
    },
    dial: (dialOptions) => new Promise<Socket>((resolve, reject) => {
      dials.push({ options: dialOptions, atMs: Date.now(), resolve, reject });
      if (state.dial === 'ok') resolve(fakeSocket());
      else if (state.dial === 'fail') reject(new Error('ECONNREFUSED (fake)'));
      else dialOptions.signal?.addEventListener('abort', () => reject(new Error('punch cancelled')), { once: true });
    }),
  });
  const relay = (n: number, ip = `9.9.9.${n}`): FakePeer => peers.add(new FakePeer(ip, nodeId(n)));
  return { peers, puncher, dials, ports, punched, state, relay };
}

/** What the far end (through `relay`) answers to the to-relay message `to`. */
export function fromRelay(to: PunchMessage, phase: PunchMessage['phase'], over: Partial<PunchMessage> = {}): PunchMessage {
  return { kind: 'punch', hop: 'from-relay', phase, reason: 'none', attemptId: to.attemptId, nodeId: to.nodeId, ip: '5.5.5.5', port: 41_000, ...over };
}

/** The far end starting a punch with us: a from-relay connect. */
export function incomingConnect(far: number, attemptId: bigint, over: Partial<PunchMessage> = {}): PunchMessage {
  return { kind: 'punch', hop: 'from-relay', phase: 'connect', reason: 'none', attemptId, nodeId: nodeId(far), ip: '6.6.6.6', port: 42_000, ...over };
}
