/** Human output of the explorer commands: getblock, getblocks, gettransaction, getaddress. */
import type { JsonValue } from '../rpc/json.js';
import { CLI_NAME } from './constants.js';

type JsonObject = { [key: string]: JsonValue };

function obj(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function text(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Unix seconds as ISO time (UTC, no milliseconds). */
function time(value: JsonValue | undefined): string {
  return typeof value === 'number' ? new Date(value * 1000).toISOString().replace('.000Z', 'Z') : '-';
}

const plural = (n: JsonValue | undefined, word: string): string => `${text(n)} ${word}${n === 1 ? '' : 's'}`;

function txStatus(tx: JsonObject): string {
  if (tx['status'] === 'mempool') return 'in the mempool (0 confirmations)';
  const confirmations = tx['confirmations'];
  const where = `block ${text(tx['blockHash'])} at height ${text(tx['height'])}`;
  if (typeof confirmations === 'number' && confirmations < 0) return `in ${where}, which is not on the active chain`;
  return `confirmed in ${where} (${plural(confirmations, 'confirmation')}, ${time(tx['time'])})`;
}

/** Inputs and outputs of a tx, indented by `pad`. */
function txLines(tx: JsonObject, pad: string): string[] {
  const lines: string[] = [];
  const fee = tx['fee'];
  lines.push(`${pad}size ${text(tx['size'])} bytes${tx['coinbase'] === true ? ', coinbase (block reward)' : fee === null || fee === undefined ? '' : `, fee ${text(fee)}`}`);
  const inputs = Array.isArray(tx['inputs']) ? tx['inputs'] : [];
  const outputs = Array.isArray(tx['outputs']) ? tx['outputs'] : [];
  lines.push(`${pad}inputs (${inputs.length}):`);
  for (const raw of inputs) {
    const input = obj(raw);
    if (tx['coinbase'] === true) lines.push(`${pad}  coinbase (new coins)`);
    else lines.push(`${pad}  ${text(input['address'])}  ${text(input['amount'])}  from ${text(input['prevTxid'])}:${text(input['prevIndex'])}`);
  }
  lines.push(`${pad}outputs (${outputs.length}):`);
  for (const raw of outputs) {
    const out = obj(raw);
    lines.push(`${pad}  #${text(out['index'])} ${text(out['address'])}  ${text(out['amount'])}`);
  }
  return lines;
}

export const formatExplorer = {
  getblock: (r: JsonValue): string => {
    const b = obj(r);
    const confirmations = b['confirmations'];
    const state = typeof confirmations === 'number' && confirmations < 0 ? 'not on the active chain' : plural(confirmations, 'confirmation');
    const lines = [
      `Block ${text(b['height'])} ${text(b['hash'])}`,
      `  ${state}, ${time(b['time'])}, ${text(b['size'])} bytes, ${plural(b['txCount'], 'transaction')}`,
      `  previous: ${text(b['prevHash'])}`,
      `  next:     ${b['nextHash'] === null ? '- (this is the tip)' : text(b['nextHash'])}`,
      `  merkle root ${text(b['merkleRoot'])}, version ${text(b['version'])}, bits ${text(b['bits'])}, nonce ${text(b['nonce'])}`,
      `  chain work 0x${text(b['work']).replace(/^0+(?=.)/, '')}`,
      '  transactions:',
    ];
    for (const tx of Array.isArray(b['txs']) ? b['txs'] : []) {
      if (typeof tx === 'string') lines.push(`    ${tx}`);
      else {
        lines.push(`    ${text(obj(tx)['txid'])}`);
        lines.push(...txLines(obj(tx), '      '));
      }
    }
    return lines.join('\n');
  },

  getblocks: (r: JsonValue): string => {
    const blocks = Array.isArray(r) ? r.map(obj) : [];
    if (blocks.length === 0) return 'no blocks';
    const rows = blocks.map((b) => [text(b['height']), text(b['hash']), text(b['txs']), text(b['size']), time(b['time'])]);
    const header = ['height', 'hash', 'txs', 'bytes', 'time'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    return [header, ...rows].map((row) => row.map((cell, i) => (i === 1 || i === 4 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
  },

  gettransaction: (r: JsonValue): string => {
    const tx = obj(r);
    return [`Transaction ${text(tx['txid'])}`, `  ${txStatus(tx)}`, ...txLines(tx, '  ')].join('\n');
  },

  getindexinfo: (r: JsonValue): string =>
    Object.entries(obj(r))
      .map(([name, info]) => {
        const { synced, bestBlockHeight } = obj(info);
        return `${name}: ${synced === true ? 'synced' : 'still being built'}, best block height ${text(bestBlockHeight)}`;
      })
      .join('\n'),

  getaddress: (r: JsonValue): string => {
    const a = obj(r);
    const notes: string[] = [];
    if (a['immature'] !== undefined && a['immature'] !== 0 && a['immature'] !== '0') notes.push(`plus ${text(a['immature'])} immature`);
    if (a['unconfirmed'] !== undefined && a['unconfirmed'] !== a['confirmed']) notes.push(`${text(a['unconfirmed'])} counting unconfirmed transactions`);
    const lines = [`${text(a['address'])} balance is ${text(a['confirmed'])}${notes.length ? ` (${notes.join('; ')})` : ''}`];
    const txs = Array.isArray(a['txs']) ? a['txs'].map(obj) : [];
    if (txs.length === 0) lines.push('  no transactions');
    else lines.push('  transactions, newest first (height, txid, received, sent, time):');
    // Columns aligned; a side that moved nothing shows as "-" rather than "+0" / "-0".
    const signed = (sign: string, value: JsonValue | undefined): string => (value === 0 || value === '0' || value === undefined || value === null ? '-' : `${sign}${text(value)}`);
    const rows = txs.map((tx) => [tx['height'] === null ? 'mempool' : text(tx['height']), text(tx['txid']), signed('+', tx['received']), signed('-', tx['sent']), time(tx['time'])]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) lines.push(`  ${row[0]!.padStart(Math.max(7, widths[0]!))}  ${row[1]}  ${row[2]!.padStart(widths[2]!)}  ${row[3]!.padStart(widths[3]!)}  ${row[4]}`);
    if (a['more'] === true && typeof a['next'] === 'string') lines.push(`  older transactions: ${CLI_NAME} getaddress ${text(a['address'])} --before ${a['next']}`);
    return lines.join('\n');
  },
};
