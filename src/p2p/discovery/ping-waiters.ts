import { type Clock, SYSTEM_CLOCK } from '../../util/clock.js';

/** Callers waiting for a node to ping us (its ping-back after our ping completes the bond). */
export class PingWaiters {
  private readonly waiters = new Map<string, Array<(pinged: boolean) => void>>();
  private readonly listeners = new Map<string, Array<() => void>>();

  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  /** Resolves true when `notify(nodeId)` comes within timeoutMs, false otherwise. */
  wait(nodeId: Buffer, timeoutMs: number): Promise<boolean> {
    const key = nodeId.toString('hex');
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      this.waiters.set(key, list);
      const timer = this.clock.setTimeout(() => done(false), timeoutMs);
      const done = (pinged: boolean): void => {
        this.clock.clear(timer);
        const current = this.waiters.get(key);
        const at = current?.indexOf(done) ?? -1;
        if (current !== undefined && at >= 0) {
          current.splice(at, 1);
          if (current.length === 0) this.waiters.delete(key);
        }
        resolve(pinged);
      };
      list.push(done);
    });
  }

  /** Calls `listener` on every ping from nodeId until the returned function is called. */
  subscribe(nodeId: Buffer, listener: () => void): () => void {
    const key = nodeId.toString('hex');
    const list = this.listeners.get(key) ?? [];
    list.push(listener);
    this.listeners.set(key, list);
    return () => {
      const current = this.listeners.get(key) ?? [];
      const at = current.indexOf(listener);
      if (at >= 0) current.splice(at, 1);
      if (current.length === 0) this.listeners.delete(key);
    };
  }

  notify(nodeId: Buffer): void {
    const key = nodeId.toString('hex');
    for (const listener of [...(this.listeners.get(key) ?? [])]) listener();
    for (const done of [...(this.waiters.get(key) ?? [])]) done(true);
  }

  clear(): void {
    for (const list of [...this.waiters.values()]) for (const done of [...list]) done(false);
    this.listeners.clear();
  }
}
