/**
 * Before a reindex picks its branch: forget every block it can never connect because its own data
 * is missing (lost, or dropped as damaged) or an ancestor's is. Their index entries go, and the
 * data of such descendants too: a block the node has no index entry for is fetched and processed
 * again like a new one when a peer offers it, while a known entry would be answered 'duplicate'
 * and a stored one never requested, leaving the node stuck below the gap for good. Entries marked
 * invalid stay (they keep refusing the block and what builds on it). An index entry that does
 * not decode goes too, with its data. Inside a transaction.
 */
import { DecodeError } from '../util/errors.js';
import type { IndexEntry } from './store/codecs.js';
import { decodeIndexEntry } from './store/codecs.js';
import type { ChainStore } from './store/store.js';

export interface PruneSummary {
  /** Index entries removed (blocks without data, their descendants, undecodable entries). */
  readonly forgotten: number;
  /** The lowest block forgotten for missing data, to name in the log. */
  readonly lowest: IndexEntry | undefined;
}

export function pruneUnconnectable(store: ChainStore): PruneSummary {
  const entries = new Map<string, IndexEntry>();
  let forgotten = 0;
  for (const [key, value] of store.rawIndexEntries()) {
    try {
      if (!value) throw new DecodeError('the block index entry is missing');
      entries.set(key.toString('latin1'), decodeIndexEntry(value));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      store.removeIndex(key);
      forgotten++;
    }
  }
  /** Per valid entry: true when it and all its ancestors have their data. */
  const connectable = new Map<string, boolean>();
  const resolve = (start: IndexEntry): boolean => {
    const path: string[] = [];
    let verdict: boolean | undefined;
    let cursor = start;
    while (verdict === undefined) {
      const key = cursor.header.hash.toString('latin1');
      const known = connectable.get(key);
      if (known !== undefined) verdict = known;
      else if (cursor.status !== 'valid') verdict = true; // an invalid ancestor: its status keeps refusing the branch
      else {
        path.push(key);
        const parent = entries.get(cursor.header.prevHash.toString('latin1'));
        if (!store.hasBlock(cursor.header.hash)) verdict = false;
        else if (cursor.header.height === 0) verdict = true;
        else if (!parent) verdict = false;
        else cursor = parent;
      }
    }
    for (const key of path) connectable.set(key, verdict);
    return verdict;
  };
  let lowest: IndexEntry | undefined;
  for (const [key, entry] of entries) {
    if (entry.status !== 'valid' || resolve(entry)) continue;
    if (!store.hasBlock(entry.header.hash) && (!lowest || entry.header.height < lowest.header.height)) lowest = entry;
    const hash = Buffer.from(key, 'latin1');
    store.removeIndex(hash);
    forgotten++;
  }
  return { forgotten, lowest };
}
