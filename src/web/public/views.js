// Renderers: each takes data from the feed and returns elements (text only, never markup).
import { h } from './dom.js';
import { ago, amount, bytes, dateTime, num, short } from './format.js';

export const blockLink = (hash, text = short(hash)) => h('a', { href: `#/block/${hash}`, class: 'mono', title: hash }, text);
export const txLink = (txid, text = short(txid)) => h('a', { href: `#/tx/${txid}`, class: 'mono', title: txid }, text);
export const addressLink = (address) => (address === null || address === undefined ? h('span', { class: 'muted' }, '–') : h('a', { href: `#/address/${address}`, class: 'mono' }, address));

export function blockRow(b) {
  return h('tr', {}, h('td', {}, h('a', { href: `#/block/${b.hash}` }, num(b.height))), h('td', {}, blockLink(b.hash)), h('td', { class: 'num' }, num(b.txs)), h('td', { class: 'num' }, bytes(b.size)), h('td', { title: dateTime(b.time) }, ago(b.time)));
}

export function poolRow(tx) {
  return h('tr', {}, h('td', {}, txLink(tx.txid)), h('td', { class: 'num' }, bytes(tx.size)), h('td', { class: 'num' }, amount(tx.fee)), h('td', {}, ago(tx.time)));
}

export function peerRow(p) {
  const via = p.punched ? `punched via ${short(p.punched.relay, 6)}` : p.manual ? 'manual' : '';
  return h(
    'tr',
    { class: p.ready ? '' : 'muted' },
    h('td', { class: 'mono', title: p.nodeId ?? 'handshake not finished' }, p.id ?? '…'),
    h('td', { class: 'mono' }, p.address),
    h('td', {}, h('span', { class: `tag tag-${p.direction}` }, p.direction)),
    h('td', { class: 'num' }, num(p.height)),
    h('td', { class: 'num' }, p.pingMs === null ? '–' : `${p.pingMs} ms`),
    h('td', {}, via),
  );
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function natItems(nat) {
  if (!nat) return [];
  const t = nat.traversal ?? {};
  const reach = t.reachability ?? {};
  const observed = t.observed ?? {};
  const mapped = (nat.mappedPorts ?? []).map((m) => `${m.protocol} ${m.internal}→${m.external}`).join(', ');
  return [
    ['Reachability', h('span', { class: `tag tag-${reach.status ?? 'unknown'}` }, reach.status ?? 'unknown')],
    ['Why', reach.reason ?? '–'],
    ['Observed address', observed.ip ? `${observed.ip}${observed.port ? `:${observed.port}` : ''}` : '–'],
    ['Port mapping', nat.enabled ? (nat.gatewayFound ? `${nat.protocol ?? 'gateway'}${mapped ? ` (${mapped})` : ''}` : nat.searching ? 'searching for a gateway…' : 'no gateway found') : 'off'],
    ['External IP', nat.externalIp ?? '–'],
  ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]);
}

function section(title, ...children) {
  return [h('h2', {}, title), ...children];
}

function table(head, rows) {
  return h('table', { class: 'table' }, h('thead', {}, h('tr', {}, head.map(([t, cls]) => h('th', { class: cls }, t)))), h('tbody', {}, rows));
}

export function blockView(b) {
  const txs = Array.isArray(b.txs) ? b.txs : [];
  const rows = txs.map((tx) => {
    if (typeof tx === 'string') return h('tr', {}, h('td', {}, txLink(tx, tx)), h('td', {}), h('td', {}), h('td', {}));
    const out = tx.outputs.reduce((sum, o) => sum + Number(o.amount), 0);
    return h('tr', {}, h('td', {}, txLink(tx.txid, tx.txid)), h('td', {}, tx.coinbase ? h('span', { class: 'tag' }, 'coinbase') : `${tx.inputs.length} in`), h('td', { class: 'num' }, `${tx.outputs.length} out · ${amount(out)}`), h('td', { class: 'num' }, amount(tx.fee)));
  });
  return [
    ...section(`Block ${num(b.height)}`),
    kv([
      ['Hash', h('span', { class: 'mono' }, b.hash)],
      ['Confirmations', b.confirmations < 0 ? 'not on the active chain' : num(b.confirmations)],
      ['Time', `${dateTime(b.time)} (${ago(b.time)})`],
      ['Previous', b.prevHash && /^0+$/.test(b.prevHash) ? 'none (genesis)' : blockLink(b.prevHash, b.prevHash)],
      ['Next', b.nextHash ? blockLink(b.nextHash, b.nextHash) : '–'],
      ['Merkle root', h('span', { class: 'mono' }, b.merkleRoot)],
      ['Size', bytes(b.size)],
      ['Bits / nonce', `${b.bits} / ${num(b.nonce)}`],
      ['Chain work', h('span', { class: 'mono' }, b.work)],
    ]),
    ...section(`Transactions (${num(b.txCount ?? txs.length)})`, table([['Txid'], ['Inputs'], ['Outputs', 'num'], ['Fee', 'num']], rows)),
  ];
}

export function txView(tx) {
  const inputs = tx.inputs.map((i) =>
    h('tr', {}, h('td', {}, tx.coinbase ? h('span', { class: 'tag' }, 'coinbase') : h('span', {}, txLink(i.prevTxid), `:${i.prevIndex}`)), h('td', {}, addressLink(i.address)), h('td', { class: 'num' }, amount(i.amount))),
  );
  const outputs = tx.outputs.map((o) => h('tr', {}, h('td', { class: 'num' }, String(o.index)), h('td', {}, addressLink(o.address)), h('td', { class: 'num' }, amount(o.amount))));
  const where = tx.status === 'mempool' ? h('span', { class: 'tag tag-pending' }, 'in the mempool') : h('span', {}, 'block ', blockLink(tx.blockHash, num(tx.height)));
  return [
    ...section('Transaction'),
    kv([
      ['Txid', h('span', { class: 'mono' }, tx.txid)],
      ['Status', where],
      ['Confirmations', h('span', { id: 'tx-confirmations' }, num(tx.confirmations))],
      ['Time', tx.time === null ? '–' : `${dateTime(tx.time)} (${ago(tx.time)})`],
      ['Size', bytes(tx.size)],
      ['Fee', tx.coinbase ? 'none (coinbase)' : amount(tx.fee)],
    ]),
    ...section(`Inputs (${tx.inputs.length})`, table([['Spends'], ['Address'], ['Amount', 'num']], inputs)),
    ...section(`Outputs (${tx.outputs.length})`, table([['#', 'num'], ['Address'], ['Amount', 'num']], outputs)),
  ];
}

export function addressView(a) {
  const rows = a.txs.map((t) => h('tr', {}, h('td', {}, txLink(t.txid)), h('td', {}, t.height === null ? h('span', { class: 'tag tag-pending' }, 'mempool') : num(t.height)), h('td', { class: 'num' }, amount(t.received)), h('td', { class: 'num' }, amount(t.sent)), h('td', {}, ago(t.time))));
  return [
    ...section('Address'),
    kv([
      ['Address', h('span', { class: 'mono' }, a.address)],
      ['Confirmed', amount(a.confirmed)],
      ['Immature', amount(a.immature)],
      ['Unconfirmed', amount(a.unconfirmed)],
    ]),
    ...section('History', table([['Txid'], ['Height'], ['Received', 'num'], ['Sent', 'num'], ['Time']], rows), a.more ? h('p', { class: 'muted' }, 'Only the newest transactions are shown.') : null),
  ];
}

export function errorView(title, message) {
  return [h('h2', {}, title), h('p', { class: 'error' }, message)];
}
