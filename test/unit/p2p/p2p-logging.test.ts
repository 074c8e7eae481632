import test from 'ava';
import { pino } from 'pino';
import { buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { connect, startNode, waitFor } from './net-helpers.js';

const owner = makeKey();
const genesis = buildBlock({ miner: owner });

test('every p2p log line names its component exactly once', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const a = await startNode(t, { genesis, logger });
  const b = await startNode(t, { genesis });
  await connect(b, a);
  const tx = spend(owner, [outpoint(genesis.transactions[0])], [pay(makeKey(), 400n)]);
  b.mempool.addTransaction(tx);
  await waitFor(() => a.mempool.has(tx.txid), 'the tx to reach A');
  const components = new Set<string>();
  for (const line of lines) {
    const count = line.split('"component":').length - 1;
    t.true(count <= 1, `component repeated in: ${line}`);
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'component' in parsed && typeof parsed.component === 'string') components.add(parsed.component);
  }
  t.true(components.has('p2p'), [...components].join(','));
  t.true(components.has('relay'), [...components].join(','));
});
