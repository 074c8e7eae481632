/** Compares an index with what it must hold for a list of active blocks (shared by the indexer tests). */
import type { ExecutionContext } from 'ava';
import type { ExplorerIndex } from '../../../src/explorer/index.js';
import type { Block } from '../../../src/primitives/block.js';
import { expectedHistory } from '../../helpers/explorer-fakes.js';

/** Every tx of `active` located at its block and position; every tx of `gone` absent; each address's full history as replayed. */
export function checkIndex(t: ExecutionContext, index: ExplorerIndex, active: readonly Block[], gone: readonly Block[] = []): void {
  const tip = active.at(-1);
  t.is(index.best?.height, tip?.height, 'best height');
  t.true(tip === undefined || index.best!.hash.equals(tip.hash), 'best hash is the last active block');
  let wrong = 0;
  for (const block of active) {
    block.transactions.forEach((tx, position) => {
      const at = index.findTx(tx.txid);
      if (!at || !at.blockHash.equals(block.hash) || at.position !== position) wrong++;
    });
  }
  t.is(wrong, 0, 'txs located in their block at their position');
  const stale = gone.flatMap((b) => b.transactions).filter((tx) => index.findTx(tx.txid) !== undefined && !active.some((b) => b.transactions.some((x) => x.txid.equals(tx.txid))));
  t.is(stale.length, 0, 'no tx of a block off the active chain is still indexed');
  for (const [pkh, expected] of expectedHistory(active)) {
    const { entries, more } = index.addressHistory(Buffer.from(pkh, 'hex'), 1_000_000);
    t.false(more);
    t.deepEqual(
      entries.map((e) => ({ height: e.height, txid: e.txid.toString('hex'), received: e.received, sent: e.sent })),
      expected,
      `history of ${pkh}`,
    );
  }
}
