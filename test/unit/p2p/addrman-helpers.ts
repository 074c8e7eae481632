/** Shared by the address-manager tests: a seeded random source, a settable clock, addresses. */
import { createHash } from 'node:crypto';
import { AddressTable } from '../../../src/p2p/addrman/index.js';
import type { PeerAddress } from '../../../src/p2p/addrman/index.js';

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
export const START_MS = Date.UTC(2026, 0, 1);

/** mulberry32: a small deterministic PRNG, so a failing test fails the same way every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Clock {
  ms = START_MS;
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function nodeIdFor(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** An address in 10.<a>.<b>.<c>-style space: `group` picks the /16, `host` the rest. */
export function ipIn(group: number, host: number): string {
  return `${10 + Math.floor(group / 256)}.${group % 256}.${Math.floor(host / 256) % 256}.${host % 256}`;
}

export function address(ip: string, tcpPort = 9000): PeerAddress {
  return { nodeId: nodeIdFor(`${ip}:${tcpPort}`), ip, tcpPort };
}

export function newTable(clock: Clock, seed = 1): AddressTable {
  return new AddressTable({ key: Buffer.alloc(32, seed), nowMs: clock.now, random: seededRandom(seed) });
}
