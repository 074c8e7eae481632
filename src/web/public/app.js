// The status page: a dashboard fed live by the node's /ws, and hash routes for the detail views
// (#/block/<hash|height>, #/tx/<txid>, #/address/<address>) so links, Back and reloads work.
import { BlockCharts } from './charts.js';
import { byId, fill, h, setText } from './dom.js';
import { Feed } from './feed.js';
import { ago, bytes, num, short } from './format.js';
import { addressView, blockRow, blockView, errorView, natItems, peerRow, poolRow, txView } from './views.js';

/** Blocks kept for the table and the charts (the feed's `blocks` answers at most 100). */
const KEEP_BLOCKS = 100;
const TABLE_BLOCKS = 16;
/** Peers' pings and the NAT verdict change without events: refreshed this often. */
const REFRESH_MS = 10000;
/** Bursts of events (a sync, a flood of txs) cause one refresh per this many ms, not one each. */
const DEBOUNCE_MS = 300;

const state = { status: null, blocks: [], pool: null, peers: [] };
const charts = new BlockCharts(byId('chart-interval'), byId('chart-txs'));

const feed = new Feed({
  onEvent: (name, data, skipped) => onEvent(name, data, skipped),
  onState: (s, detail) => showConnection(s, detail),
  onOpen: () => void loadAll(),
});

function showConnection(s, detail) {
  const el = byId('conn');
  el.className = `conn conn-${s}`;
  el.textContent = s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : `reconnecting…${detail ? ` (${detail})` : ''}`;
  document.body.classList.toggle('offline', s !== 'live');
}

/** Runs `fn` at most once per DEBOUNCE_MS, after the last call. */
function debounced(fn) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void fn();
    }, DEBOUNCE_MS);
  };
}

/** A request whose failure is already shown elsewhere (the connection badge). */
async function quietly(promise) {
  try {
    return await promise;
  } catch {
    return undefined;
  }
}

async function loadStatus() {
  const status = await quietly(feed.request('status'));
  if (status === undefined) return;
  state.status = status;
  renderStatus();
}

async function loadBlocks() {
  const height = state.status?.chain?.height;
  if (height === undefined || height === null) {
    state.blocks = [];
  } else {
    const start = Math.max(0, height - KEEP_BLOCKS + 1);
    const blocks = await quietly(feed.request('blocks', { start, count: KEEP_BLOCKS }));
    if (blocks === undefined) return;
    state.blocks = blocks;
  }
  renderBlocks();
}

async function loadPool() {
  const pool = await quietly(feed.request('pool'));
  if (pool === undefined) return;
  state.pool = pool;
  renderPool();
}

async function loadPeers() {
  const peers = await quietly(feed.request('peers'));
  if (peers === undefined) return;
  state.peers = peers;
  renderPeers();
}

async function loadAll() {
  await loadStatus();
  await Promise.all([loadBlocks(), loadPool(), loadPeers(), route()]);
}

const refreshPool = debounced(loadPool);
const refreshPeers = debounced(async () => Promise.all([loadPeers(), loadStatus()]));
const refreshChain = debounced(async () => {
  await loadStatus();
  await Promise.all([loadBlocks(), loadPool()]);
});
const refreshDetail = debounced(() => route());

function onEvent(name, data, skipped) {
  switch (name) {
    case 'block-connected': {
      const last = state.blocks[state.blocks.length - 1];
      const chain = state.status?.chain;
      if (chain && skipped === 0 && last && data.height === last.height + 1) {
        // The common case: show the new tip now, fetch the rest (work, mempool) after.
        chain.height = data.height;
        chain.tip = data.hash;
        chain.time = data.time;
        state.blocks = [...state.blocks, data].slice(-KEEP_BLOCKS);
        renderStatus();
        renderBlocks();
        void loadStatus();
        refreshPool();
      } else {
        refreshChain();
      }
      if (!byId('detail').hidden) refreshDetail();
      break;
    }
    case 'block-disconnected':
      refreshChain();
      if (!byId('detail').hidden) refreshDetail();
      break;
    case 'tx-accepted':
      if (state.pool) {
        state.pool = { ...state.pool, count: state.pool.count + 1, bytes: state.pool.bytes + data.size, txs: [data, ...state.pool.txs].slice(0, 20) };
        renderPool();
      }
      refreshPool();
      break;
    case 'peer-up':
    case 'peer-down':
      refreshPeers();
      break;
    case 'sync-progress':
      if (state.status) {
        state.status.sync = data;
        renderSync();
      }
      break;
    default:
      break;
  }
}

const txCount = (n) => `${num(n)} ${n === 1 ? 'tx' : 'txs'}`;

function renderStatus() {
  const s = state.status;
  if (!s) return;
  setText('node-id', s.node?.nodeId ? `node ${short(s.node.nodeId, 8)}` : '');
  const c = s.chain;
  setText('chain-height', c ? c.height : 'no chain yet');
  const tip = byId('chain-tip');
  fill(tip, c ? h('a', { href: `#/block/${c.tip}`, title: c.tip }, c.tip) : '–');
  setText('chain-work', c ? c.work.replace(/^0+(?=.)/, '0x') : '–');
  setText('chain-time', c ? ago(c.time) : '–');
  byId('chain-time').title = c ? new Date(c.time * 1000).toLocaleString() : '';
  fill(byId('peer-count'), s.peers ? [String(s.peers.count), h('span', { class: 'muted sub' }, `${s.peers.inbound} in · ${s.peers.outbound} out`)] : '–');
  setText('pool-count', s.mempool ? txCount(s.mempool.count) : '–');
  fill(byId('nat'), natItems(s.nat));
  renderSync();
}

function renderSync() {
  const sync = state.status?.sync;
  const el = byId('sync');
  if (!sync || !sync.syncing) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const pct = Math.max(0, Math.min(1, sync.progress ?? 0));
  byId('sync-bar').style.width = `${(pct * 100).toFixed(1)}%`;
  setText('sync-text', `Syncing: block ${num(sync.height)} of ${num(sync.targetHeight)} (${(pct * 100).toFixed(1)} %)${sync.peer ? ` from ${sync.peer}` : ''}`);
  setText('sync-rate', sync.blocksPerSec === null || sync.blocksPerSec === undefined ? '' : `${num(sync.blocksPerSec)} blocks/s`);
}

function renderBlocks() {
  const newest = state.blocks.slice(-TABLE_BLOCKS).reverse();
  fill(byId('blocks-body'), newest.length === 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No blocks yet.')) : newest.map(blockRow));
  charts.update(state.blocks);
}

function renderPool() {
  const p = state.pool;
  if (!p) return;
  setText('pool-summary', `${txCount(p.count)} · ${bytes(p.bytes)}`);
  setText('pool-count', txCount(p.count));
  fill(byId('pool-body'), p.txs.length === 0 ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Empty: every transaction is in a block.')) : p.txs.map(poolRow));
}

function renderPeers() {
  fill(byId('peers-body'), state.peers.length === 0 ? h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No peers connected.')) : state.peers.map(peerRow));
}

/** Shows the view the location's hash names: the dashboard or a block, tx or address. */
async function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [kind, ...rest] = hash.split('/');
  const arg = rest.join('/');
  const home = byId('home');
  const detail = byId('detail');
  const body = byId('detail-body');
  if (!['block', 'tx', 'address'].includes(kind) || arg === '') {
    home.hidden = false;
    detail.hidden = true;
    charts.resize();
    return;
  }
  home.hidden = true;
  detail.hidden = false;
  const routeAtStart = location.hash;
  try {
    let view;
    if (kind === 'block') {
      const b = await feed.request('block', /^[0-9]+$/.test(arg) ? { height: Number(arg) } : { hash: arg });
      view = blockView(b);
    } else if (kind === 'tx') {
      view = txView(await feed.request('tx', { txid: arg }));
    } else {
      view = addressView(await feed.request('address', { address: arg }));
    }
    if (location.hash === routeAtStart) fill(body, view);
  } catch (err) {
    if (location.hash === routeAtStart) fill(body, errorView(`Cannot show this ${kind}`, err.message));
  }
}

async function search(q) {
  const query = q.trim();
  if (query === '') return;
  if (/^[0-9]+$/.test(query)) {
    location.hash = `#/block/${query}`;
  } else if (/^[0-9a-fA-F]{64}$/.test(query)) {
    const block = await quietly(feed.request('block', { hash: query }));
    location.hash = block ? `#/block/${query.toLowerCase()}` : `#/tx/${query.toLowerCase()}`;
  } else {
    location.hash = `#/address/${query}`;
  }
}

byId('search').addEventListener('submit', (e) => {
  e.preventDefault();
  void search(byId('search-input').value);
});
window.addEventListener('hashchange', () => {
  window.scrollTo(0, 0);
  void route();
});
setInterval(() => {
  if (document.hidden) return;
  void loadPeers();
  void loadStatus();
}, REFRESH_MS);

feed.connect();
