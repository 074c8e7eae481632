/** A WebSource of fixed data whose events the test fires by hand; counts what it built. */
import { WebError } from '../../../src/web/errors.js';
import type { BlockSummaryView, WebEvent, WebEventName, WebSource } from '../../../src/web/source.js';

export interface FakeSource {
  source: WebSource;
  emit(event: WebEventName, data: () => unknown): void;
  /** How many times an event's data was built. */
  builds: () => number;
  listeners: () => number;
}

export const FAKE_TIP_HEIGHT = 5;

export function summary(height: number): BlockSummaryView {
  return { height, hash: height.toString(16).padStart(64, '0'), time: 1_700_000_000 + height * 10, txs: 1, size: 200 };
}

export function fakeSource(overrides: Partial<WebSource> = {}): FakeSource {
  const listeners = new Set<(e: WebEvent) => void>();
  let builds = 0;
  const source: WebSource = {
    status: () => ({ chain: { height: FAKE_TIP_HEIGHT, tip: summary(FAKE_TIP_HEIGHT).hash, work: '0'.repeat(63) + 'c', time: 1_700_000_050, genesis: summary(0).hash }, mempool: { count: 0, bytes: 0 } }),
    peers: () => [],
    pool: (limit) => ({ count: 0, bytes: 0, txs: [], limit }),
    blocks: (start, count) => {
      const out: BlockSummaryView[] = [];
      for (let h = start; h <= FAKE_TIP_HEIGHT && out.length < count; h++) out.push(summary(h));
      return out;
    },
    uncachedSummaries: () => 0,
    blockBytes: () => 0,
    block: (ref) => {
      if ('height' in ref && ref.height <= FAKE_TIP_HEIGHT) return { ...summary(ref.height), txs: [] };
      throw new WebError('not-found', 'there is no such block on this node');
    },
    tx: () => {
      throw new WebError('not-found', 'there is no such transaction');
    },
    address: (address) => ({ address, confirmed: 0n, immature: 0n, unconfirmed: 0n, txs: [], more: false }),
    addressCached: () => false,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...overrides,
  };
  return {
    source,
    emit: (event, data) => {
      for (const l of listeners)
        l({
          event,
          data: () => {
            builds++;
            return data();
          },
        });
    },
    builds: () => builds,
    listeners: () => listeners.size,
  };
}
