import { SPARE_PORT_MAX_AGE_MS } from './constants.js';

/**
 * A free local port for the next punch try, picked ahead: picking costs a listen and a close, and
 * on the responder that time would fall inside the round trip the initiator measures, making it
 * wait too long before its SYN. A spare older than SPARE_PORT_MAX_AGE_MS is picked again (the
 * kernel may have handed it out meanwhile).
 */
export class SparePort {
  private spare: { readonly port: Promise<number>; readonly atMs: number } | undefined;
  private stopped = false;

  constructor(private readonly pick: () => Promise<number>) {}

  /** The spare if it is fresh, else a port picked now; a new spare is picked for the next call. */
  async take(): Promise<number> {
    const spare = this.spare;
    this.spare = undefined;
    let port: number | undefined;
    if (spare !== undefined && Date.now() - spare.atMs < SPARE_PORT_MAX_AGE_MS) port = await spare.port.catch(() => undefined);
    port ??= await this.pick();
    this.warmUp();
    return port;
  }

  /** No spare is picked any more (a take still picks the port it needs). */
  stop(): void {
    this.stopped = true;
  }

  /** Picks the spare now (unless one waits), so the next take does not wait for it. */
  warmUp(): void {
    if (this.spare !== undefined || this.stopped) return;
    const port = this.pick();
    port.catch(() => undefined); // a failed pick is picked again when used
    this.spare = { port, atMs: Date.now() };
  }
}
