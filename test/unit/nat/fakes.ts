import { pino, type Logger } from 'pino';
import { NatError } from '../../../src/p2p/nat/errors.js';
import type { NatScheduler } from '../../../src/p2p/nat/scheduler.js';
import type { MapRequest, MapResult, PortMapper, PortMapperFactory, PortMapperProtocol, UnmapRequest } from '../../../src/p2p/nat/types.js';

/** An in-memory router behind our PortMapper interface. */
export class FakeMapper implements PortMapper {
  readonly calls: string[] = [];
  /** "TCP:9000" → internal port, including mappings made by "other hosts". */
  readonly table = new Map<string, number>();
  closed = false;
  failMaps = false;
  externalAddress: string;

  constructor(
    readonly protocol: PortMapperProtocol,
    options: { externalIp?: string; taken?: string[]; refuse?: boolean } = {},
  ) {
    this.externalAddress = options.externalIp ?? '7.7.7.1';
    for (const key of options.taken ?? []) this.table.set(key, -1);
    this.failMaps = options.refuse ?? false;
  }

  async externalIp(): Promise<string> {
    this.calls.push('externalIp');
    return this.externalAddress;
  }

  async map(request: MapRequest): Promise<MapResult> {
    this.calls.push(`map ${request.protocol} ${request.internalPort}->${request.externalPort} ttl=${request.ttlSec}`);
    if (this.failMaps) throw new NatError('nat-mapping-refused', 'refused by the fake router.');
    const key = `${request.protocol}:${request.externalPort}`;
    const holder = this.table.get(key);
    if (holder !== undefined && holder !== request.internalPort) throw new NatError('nat-mapping-refused', '718 ConflictInMappingEntry');
    this.table.set(key, request.internalPort);
    return { externalPort: request.externalPort, leaseSec: request.ttlSec };
  }

  async unmap(request: UnmapRequest): Promise<void> {
    this.calls.push(`unmap ${request.protocol} ${request.externalPort}`);
    this.table.delete(`${request.protocol}:${request.externalPort}`);
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.closed = true;
  }
}

/** Finds `mapper`, or (mapper undefined) honours the discovery timeout like a real absent gateway. */
export function fakeFactory(protocol: PortMapperProtocol, mapper: FakeMapper | undefined, order?: string[]): PortMapperFactory {
  return {
    protocol,
    discover({ timeoutMs, signal }) {
      order?.push(protocol);
      if (mapper) return Promise.resolve(mapper);
      return new Promise((_, reject) => {
        const timer = setTimeout(() => reject(new NatError('nat-no-gateway', `no ${protocol} gateway.`)), timeoutMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new NatError('nat-closed', 'cancelled.'));
        });
      });
    },
  };
}

export class FakeScheduler implements NatScheduler {
  readonly pending: Array<{ callback: () => void; delayMs: number; cancelled: boolean }> = [];

  schedule(callback: () => void, delayMs: number): { cancel(): void } {
    const entry = { callback, delayMs, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => (entry.cancelled = true) };
  }

  get live(): Array<{ callback: () => void; delayMs: number }> {
    return this.pending.filter((p) => !p.cancelled);
  }

  /** Runs the single live timer (as if its delay passed). */
  fire(): void {
    const [next] = this.live;
    if (!next) throw new Error('no timer scheduled');
    this.pending.splice(this.pending.indexOf(next as (typeof this.pending)[number]), 1);
    next.callback();
  }
}

export function capturingLogger(): { logger: Logger; entries: () => Array<{ level: number; msg: string }> } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug', base: null }, { write: (line: string) => lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }) };
}

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
