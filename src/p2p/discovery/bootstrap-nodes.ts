import type { NodeTable } from './node-table.js';
import type { Remote } from './transport.js';

export interface BootstrapNodesDeps {
  readonly table: NodeTable;
  /** Answers that come after stop start nothing. */
  isRunning(): boolean;
  /** The service's ping (deduplicated per address). */
  ping(remote: Remote): Promise<boolean>;
  /** Runs the self-lookup (through the refresh scheduler): it fills our neighbourhood. */
  selfLookup(): void;
}

/**
 * Our configured bootstrap nodes, as resolved at start: pinged while the table is empty, the first
 * answer starting a self-lookup; what they name is trusted (no introducer bound, LookupQueries).
 */
export class BootstrapNodes {
  private list: Remote[] = [];
  private selfLookupStarted = false;

  constructor(private readonly deps: BootstrapNodesDeps) {}

  /** None before start() has resolved them. */
  get remotes(): readonly Remote[] {
    return this.list;
  }

  /** The addresses resolved at start (maintenance.ts resolveBootstrap). */
  set(remotes: Remote[]): void {
    this.list = remotes;
  }

  /** A configured bootstrap node: the operator trusts what it names (no introducer bound). */
  has(ip: string, port: number): boolean {
    return this.list.some((r) => r.ip === ip && r.port === port);
  }

  /** Pings every bootstrap node; the first answer starts a self-lookup (it fills our neighbourhood) through refresh(). */
  pingAll(): void {
    if (this.deps.table.size === 0) this.selfLookupStarted = false;
    for (const remote of this.list) {
      void this.deps.ping(remote).then((answered) => {
        if (!answered || this.selfLookupStarted || !this.deps.isRunning()) return;
        this.selfLookupStarted = true;
        this.deps.selfLookup();
      });
    }
  }
}
