import { type AddressClassifier, netGroup } from '../netgroup.js';
import type { PunchRole, PunchTry } from './punch-try.js';

/**
 * The punches under way (puncher.ts), counted for its limits: tries running, tries waiting for
 * their local port (they hold their place in the limits meanwhile), and far ends with a punch of
 * ours under way.
 */
export class PunchesInFlight {
  /** Running tries by tryKey. */
  readonly tries = new Map<string, PunchTry>();
  /** Far ends with a punch of ours under way (one at a time per far end). */
  readonly punching = new Set<string>();
  /** Far ends whose try waits for its port (not in `tries` yet, but it counts as in flight), with the try's role and far address. */
  readonly starting = new Map<string, { readonly role: PunchRole; readonly farIp: string | undefined }>();

  /** Tries in `role` running or waiting for their port. */
  inRole(role: PunchRole): number {
    return [...this.tries.values()].filter((t) => t.options.role === role).length + [...this.starting.values()].filter((s) => s.role === role).length;
  }

  /** Tries in either role running or waiting for their port: each may end in a punched link. */
  get size(): number {
    return this.tries.size + this.starting.size;
  }

  has(farIdHex: string): boolean {
    return this.punching.has(farIdHex) || this.starting.has(farIdHex) || [...this.tries.values()].some((t) => t.options.farIdHex === farIdHex);
  }

  /** Responder tries with far ends in the public netgroup of `farIp` (0 for loopback and private addresses: a local network is one group). */
  responderTriesFrom(farIp: string, classify: AddressClassifier): number {
    if (classify(farIp) !== 'public') return 0;
    const group = netGroup(farIp, classify);
    const inGroup = (ip: string | undefined): boolean => ip !== undefined && classify(ip) === 'public' && netGroup(ip, classify) === group;
    let count = 0;
    for (const t of this.tries.values()) if (t.options.role === 'responder' && inGroup(t.options.far?.ip)) count++;
    for (const s of this.starting.values()) if (s.role === 'responder' && inGroup(s.farIp)) count++;
    return count;
  }
}

export function tryKey(farIdHex: string, attemptId: bigint): string {
  return `${farIdHex}:${attemptId}`;
}
