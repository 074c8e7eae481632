/** Human-readable output of each command's RPC result (`--json` prints the raw result instead). */
import type { JsonValue } from '../rpc/json.js';
import { CLI_NAME } from './constants.js';
import { natSummary } from './format-nat.js';

type JsonObject = { [key: string]: JsonValue };

/**
 * Turns "unban 1.2.3.4" into the full command line with the flags that reach the node the CLI
 * just talked to (`./kadchain unban 1.2.3.4 --datadir ./b --rpc-port 9101`); main passes it.
 */
export type HintFor = (command: string) => string;
/** Without the node's flags (a formatter called on its own, as in tests). */
export const plainHint: HintFor = (command) => `${CLI_NAME} ${command}`;

function obj(value: JsonValue): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function text(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export const format = {
  genesis: (r: JsonValue): string => `Genesis Wallet is: ${text(obj(r)['address'])}`,
  createwallet: (r: JsonValue): string => `Wallet address is ${text(obj(r)['address'])}`,
  printwallet: (r: JsonValue, hint: HintFor = plainHint): string => {
    const addresses = obj(r)['addresses'];
    if (!Array.isArray(addresses) || addresses.length === 0) return `this node's wallet has no addresses yet (create one with: ${hint('createwallet')})`;
    return addresses.map(text).join('\n');
  },
  balance: (r: JsonValue): string => {
    const { address, confirmed, immature, unconfirmed } = obj(r);
    const notes: string[] = [];
    // Block rewards count once they have chain.coinbaseMaturity confirmations.
    if (immature !== undefined && immature !== null && String(immature) !== '0') notes.push(`plus ${text(immature)} immature`);
    if (unconfirmed !== undefined && unconfirmed !== confirmed) notes.push(`${text(unconfirmed)} counting unconfirmed transactions`);
    const line = `${text(address)} balance is ${text(confirmed)}`;
    return notes.length > 0 ? `${line} (${notes.join('; ')})` : line;
  },
  send: (r: JsonValue): string => {
    const { amount, from, to, txid } = obj(r);
    return `Sent ${text(amount)} from ${text(from)} to ${text(to)} in transaction ${text(txid)}`;
  },
  sendrawtransaction: (r: JsonValue): string => text(obj(r)['txid']),
  print: (r: JsonValue): string => JSON.stringify(r, null, 2),
  mine: (r: JsonValue): string => {
    const { blocks } = obj(r);
    // A node from before `mine n` answers one block without the list.
    const list = Array.isArray(blocks) ? blocks : [r];
    return list
      .map((b) => {
        const { height, hash, transactions } = obj(b);
        return `Mined block ${text(height)} ${text(hash)} with ${text(transactions)} transaction(s)`;
      })
      .join('\n');
  },
  listunspent: (r: JsonValue): string => {
    if (!Array.isArray(r) || r.length === 0) return 'no unspent outputs';
    const rows = r.map((c) => {
      const { txid, vout, address, label, amount, confirmations, coinbase, mature } = obj(c);
      const notes = [coinbase === true ? 'block reward' : '', mature === false ? 'immature' : '', confirmations === 0 ? 'in the mempool' : ''].filter((n) => n !== '');
      const who = typeof label === 'string' && label !== '' ? `${text(address)} (${label})` : text(address);
      return [`${text(txid)}:${text(vout)}`, text(amount), text(confirmations), who, notes.join(', ')];
    });
    const head = ['OUTPOINT', 'AMOUNT', 'CONFS', 'ADDRESS', ''];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    return [head, ...rows].map((row) => row.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
  },
  dumpprivkey: (r: JsonValue): string => text(obj(r)['privateKey']),
  importprivkey: (r: JsonValue): string => {
    const { address, added, label } = obj(r);
    const named = typeof label === 'string' ? ` (label "${label}")` : '';
    return added === false ? `The wallet already holds the key of ${text(address)}${named}` : `Imported the key of ${text(address)}${named}; its coins count at once`;
  },
  getinfo: (r: JsonValue): string =>
    Object.entries(obj(r))
      .map(([key, value]) => `${key}: ${key === 'nat' ? natSummary(value) : text(value)}`)
      .join('\n'),
  mempool: (r: JsonValue): string => {
    const { size, bytes, usage, maxBytes, minFeeRate, txs } = obj(r);
    let head = `${text(size)} transaction(s) in the mempool`;
    if (bytes !== undefined) head += `, ${text(bytes)} bytes (${text(usage)} of ${text(maxBytes)} bytes of memory)`;
    if (typeof minFeeRate === 'number' && minFeeRate > 0) head += `; minimum fee rate ${Number(minFeeRate.toFixed(3))} coins/kB`;
    const lines = [head];
    if (Array.isArray(txs)) for (const tx of txs) lines.push(`  ${text(obj(tx)['txid'])}  fee ${text(obj(tx)['fee'])}  ${text(obj(tx)['size'])} bytes`);
    return lines.join('\n');
  },
  stop: (): string => 'kadchain node stopping',
  gettxoutsetinfo: (r: JsonValue): string => {
    const { height, bestBlock, txouts, transactions, totalAmount, hash } = obj(r);
    return [`height: ${text(height)}`, `bestBlock: ${text(bestBlock)}`, `txouts: ${text(txouts)}`, `transactions: ${text(transactions)}`, `totalAmount: ${text(totalAmount)}`, `hash: ${text(hash)}`].join('\n');
  },
  verifychain: (r: JsonValue, hint: HintFor = plainHint): string => {
    const { ok, height, replayedBlocks, checkedBlocks, expected, actual, failure, elapsedMs } = obj(r);
    const scope = `${text(replayedBlocks)} block(s) replayed from genesis up to height ${text(height)}, the last ${text(checkedBlocks)} re-validated in full, in ${text(elapsedMs)} ms`;
    const utxo = (label: string, stats: JsonValue | undefined): string => {
      const { txouts, totalAmount, hash } = obj(stats ?? null);
      return `${label}: ${text(txouts)} coins, ${text(totalAmount)} total, digest ${text(hash)}`;
    };
    if (ok === true) return [`verifychain ok: ${scope}`, utxo('UTXO set', actual)].join('\n');
    const lines = [`verifychain FAILED: ${text(obj(failure ?? null)['reason'])}`, scope];
    if (expected !== null && expected !== undefined) lines.push(utxo('replayed from the blocks', expected), utxo('stored', actual));
    lines.push(`repair it: stop the node, then run ${hint('start --reindex')}`);
    return lines.join('\n');
  },
  ban: (r: JsonValue, hint: HintFor = plainHint): string => {
    const { key, until, reason } = obj(r);
    return `Banned ${text(key)} until ${text(until)} (${text(reason)}); lift it with: ${hint(`unban ${text(key)}`)}`;
  },
  unban: (r: JsonValue): string => `Unbanned ${text(obj(r)['key'])}`,
  clearbanned: (r: JsonValue): string => `Cleared ${text(obj(r)['cleared'])} ban(s)`,
  addpeer: (r: JsonValue, hint: HintFor = plainHint): string => `Connecting to ${text(obj(r)['address'])} (and reconnecting if it drops); see it with: ${hint('peers')}`,
  removepeer: (r: JsonValue): string => {
    const { address, closed } = obj(r);
    return `Removed ${text(address)} from the manual peers: no more reconnects, ${closed === true ? 'our connection to it closed' : 'and no connection of ours to it was open'}`;
  },
};
