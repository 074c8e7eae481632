/** Every CLI command: its arguments, the RPC method it calls and how its answer is printed. */
import type { JsonValue } from '../rpc/json.js';
import { EXIT_FAILURE, EXIT_OK, RPC_CALL_TIMEOUT_MS, RPC_CHECK_TIMEOUT_MS, RPC_MINING_TIMEOUT_MS, RPC_PUNCH_TIMEOUT_MS } from './constants.js';
import { format, type HintFor } from './format.js';
import { blockRefArg, cursorArg, heightArg, pageArg, txidArg } from './explorer-args.js';
import { formatExplorer } from './format-explorer.js';
import { formatNat } from './format-nat.js';
import { formatBanned, formatPeers } from './format-peers.js';
import { formatPunch } from './format-traversal.js';
import type { CommandSpec } from './command-spec.js';

export type { CommandSpec, OptionSpec, OptionValue, ParsedCommand } from './command-spec.js';
export { CLIENT_OPTIONS, START_OPTIONS } from './command-spec.js';

const none = (): Record<string, unknown> => ({});

function dumpWarning(result: JsonValue): string {
  const address = typeof result === 'object' && result !== null && !Array.isArray(result) ? String(result['address']) : 'this address';
  return `warning: anyone who sees this key can spend the coins of ${address}; never paste it into a website, a chat or a shared terminal`;
}

function simple(name: string, summary: string, fmt: (r: JsonValue, hint?: HintFor) => string, timeoutMs = RPC_CALL_TIMEOUT_MS): CommandSpec {
  return { name, summary, positionals: [], options: {}, required: [], method: name, params: none, format: fmt, timeoutMs };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'start',
    summary: 'run a node in the foreground (logs to stdout; Ctrl-C stops it)',
    positionals: [],
    options: {},
    required: [],
    params: none,
    format: () => '',
    timeoutMs: 0,
  },
  simple('genesis_block', 'create the genesis block on an empty chain; its reward goes to a new wallet address', format.genesis, RPC_MINING_TIMEOUT_MS),
  simple('createwallet', 'create a new address in the node\'s wallet', format.createwallet),
  simple('printwallet', 'list the addresses in the node\'s wallet', format.printwallet),
  {
    name: 'balance',
    summary: 'confirmed balance of any address',
    positionals: ['address'],
    options: {},
    required: [],
    method: 'balance',
    params: (cmd) => ({ address: cmd.positionals[0] }),
    format: format.balance,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'send',
    summary: 'pay coins from one of the node\'s addresses',
    positionals: [],
    options: {
      from: { type: 'string', value: 'ADDRESS', description: 'paying address (must be in the node\'s wallet)' },
      to: { type: 'string', value: 'ADDRESS', description: 'receiving address' },
      amount: { type: 'string', value: 'N', kind: 'amount', description: 'whole coins to send (> 0)' },
      fee: { type: 'string', value: 'N', kind: 'fee', description: 'whole coins paid to the miner (default 0)' },
    },
    required: ['from', 'to', 'amount'],
    method: 'send',
    params: (cmd) => {
      const { from, to, amount, fee } = cmd.values;
      return fee === undefined ? { from, to, amount } : { from, to, amount, fee };
    },
    format: format.send,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'print',
    summary: 'the block header at a height of the active chain, as JSON',
    positionals: ['height'],
    positionalKinds: { height: 'height' },
    options: {},
    required: [],
    method: 'print',
    params: (cmd) => ({ height: cmd.positionals[0] }),
    format: format.print,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'mine',
    summary: 'mine n blocks now (default 1, at most 1000), one after another, with the transactions in the mempool; one line per block',
    positionals: [],
    optionalPositionals: ['n'],
    positionalKinds: { n: 'blocks' },
    options: {},
    required: [],
    method: 'mine',
    params: (cmd) => (cmd.positionals[0] === undefined ? {} : { count: cmd.positionals[0] }),
    format: format.mine,
    timeoutMs: RPC_MINING_TIMEOUT_MS,
  },
  {
    name: 'sendrawtransaction',
    summary: 'submit a transaction signed elsewhere, as hex; prints its txid',
    positionals: ['hex'],
    options: {},
    required: [],
    method: 'sendrawtransaction',
    params: (cmd) => ({ hexstring: cmd.positionals[0] }),
    format: format.sendrawtransaction,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'listunspent',
    summary: 'unspent outputs of an address, or of every wallet address: amount, confirmations (0 = in the mempool), block rewards not yet mature',
    positionals: [],
    optionalPositionals: ['address'],
    options: {},
    required: [],
    method: 'listunspent',
    params: (cmd) => (cmd.positionals[0] === undefined ? {} : { address: cmd.positionals[0] }),
    format: format.listunspent,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'dumpprivkey',
    summary: 'print the private key (WIF) of a wallet address: anyone who sees it can spend that address\'s coins',
    positionals: ['address'],
    options: {},
    required: [],
    method: 'dumpprivkey',
    params: (cmd) => ({ address: cmd.positionals[0] }),
    format: format.dumpprivkey,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
    warning: dumpWarning,
  },
  {
    name: 'importprivkey',
    summary: 'add a private key (WIF, starting with K or L) to the node\'s wallet; its coins count at once (no rescan)',
    positionals: ['wif'],
    options: {
      label: { type: 'string', value: 'TEXT', description: 'a name for the key\'s address, shown by listunspent (at most 100 characters)' },
    },
    required: [],
    method: 'importprivkey',
    params: (cmd) => {
      const { label } = cmd.values;
      return label === undefined ? { privateKey: cmd.positionals[0] } : { privateKey: cmd.positionals[0], label };
    },
    format: format.importprivkey,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'getblock',
    summary: 'a block by hash or height: header fields, confirmations and its txids (--verbose: full transactions)',
    positionals: ['hash|height'],
    options: { verbose: { type: 'boolean', description: 'list every transaction with its inputs and outputs' } },
    required: [],
    method: 'getblock',
    params: (cmd) => ({ ref: blockRefArg('getblock', cmd.positionals[0]), ...(cmd.values['verbose'] === true ? { verbose: true } : {}) }),
    format: formatExplorer.getblock,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'getblocks',
    summary: 'blocks of the active chain from a height up (height, hash, txs, size, time): the course\'s blocks?start',
    positionals: [],
    options: {
      start: { type: 'string', value: 'N', kind: 'height', description: 'first height' },
      count: { type: 'string', value: 'K', kind: 'count', description: 'how many blocks (default 10, at most 100)' },
    },
    required: ['start'],
    method: 'getblocks',
    params: (cmd) => {
      const count = pageArg('getblocks', 'count', cmd.values['count']);
      return { start: heightArg('getblocks', 'start', cmd.values['start']), ...(count === undefined ? {} : { count }) };
    },
    format: formatExplorer.getblocks,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'gettransaction',
    summary: 'a transaction by txid, in the mempool or in a block: confirmations, block, inputs, outputs, fee',
    positionals: ['txid'],
    options: {},
    required: [],
    method: 'gettransaction',
    params: (cmd) => ({ txid: txidArg('gettransaction', cmd.positionals[0]) }),
    format: formatExplorer.gettransaction,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'getaddress',
    summary: 'an address\'s balance (confirmed, immature, unconfirmed) and its transactions, newest first',
    positionals: ['address'],
    options: {
      limit: { type: 'string', value: 'N', description: 'transactions per page (default 25, at most 100)' },
      before: { type: 'string', value: 'CURSOR', description: 'older page: the cursor the previous page printed (or a height)' },
    },
    required: [],
    method: 'getaddress',
    params: (cmd) => {
      const limit = pageArg('getaddress', 'limit', cmd.values['limit']);
      const before = cursorArg('getaddress', cmd.values['before']);
      return { address: cmd.positionals[0], ...(limit === undefined ? {} : { limit }), ...(before === undefined ? {} : { before }) };
    },
    format: formatExplorer.getaddress,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  simple('getindexinfo', 'the transaction and address indexes: whether they have reached the chain tip, and the last block they hold', formatExplorer.getindexinfo),
  simple('getinfo', 'height, tip, genesis, mempool size, peers and wallet summary', format.getinfo),
  simple('mempool', 'transactions waiting for a block', format.mempool),
  simple('peers', 'connected peers (id, address, direction, height, ping, age; hole-punched links and their relay), manual peers, bans and discouraged addresses', formatPeers),
  {
    name: 'addpeer',
    summary: 'connect to a peer now and keep reconnecting to it (the tutorial seeds\' "register")',
    positionals: ['host:port'],
    positionalKinds: { 'host:port': 'host-port' },
    options: {},
    required: [],
    method: 'addpeer',
    params: (cmd) => ({ address: cmd.positionals[0] }),
    format: format.addpeer,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'removepeer',
    summary: 'stop reconnecting to a peer added with addpeer and close our connection to it',
    positionals: ['host:port'],
    positionalKinds: { 'host:port': 'host-port' },
    options: {},
    required: [],
    method: 'removepeer',
    params: (cmd) => ({ address: cmd.positionals[0] }),
    format: format.removepeer,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'ban',
    summary: 'ban an IP address or a node id (64 hex digits): disconnect it and refuse it until the ban ends (kept across restarts)',
    positionals: ['ip|nodeid'],
    options: {
      duration: { type: 'string', value: 'SEC', kind: 'seconds', description: 'ban length in seconds (default from config: p2p.banDurationSec)' },
      reason: { type: 'string', value: 'TEXT', description: 'why, shown by listbanned and peers' },
    },
    required: [],
    method: 'ban',
    params: (cmd) => {
      const { duration, reason } = cmd.values;
      return { key: cmd.positionals[0], ...(duration === undefined ? {} : { durationSec: duration }), ...(reason === undefined ? {} : { reason }) };
    },
    format: format.ban,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  {
    name: 'unban',
    summary: 'lift the ban of an IP address or node id',
    positionals: ['ip|nodeid'],
    options: {},
    required: [],
    method: 'unban',
    params: (cmd) => ({ key: cmd.positionals[0] }),
    format: format.unban,
    timeoutMs: RPC_CALL_TIMEOUT_MS,
  },
  simple('listbanned', 'banned IP addresses and node ids, with time left and reason', formatBanned),
  simple('clearbanned', 'lift every ban', format.clearbanned),
  simple('nat', 'router port mapping (UPnP/NAT-PMP), the external address peers see, port preservation, reachability and hole punching', formatNat),
  {
    name: 'punch',
    summary: 'open a direct connection to a node through a peer both are connected to (TCP hole punching); prints the address or why it failed, and exits 1 on failure',
    positionals: ['nodeid'],
    options: {},
    required: [],
    method: 'punch',
    params: (cmd) => ({ nodeId: cmd.positionals[0] }),
    format: formatPunch,
    timeoutMs: RPC_PUNCH_TIMEOUT_MS,
    exitCode: (r) => (typeof r === 'object' && r !== null && !Array.isArray(r) && r['ok'] === true ? EXIT_OK : EXIT_FAILURE),
  },
  simple('gettxoutsetinfo', 'the UTXO set: height, unspent outputs, total amount and a digest independent of write order', format.gettxoutsetinfo, RPC_CHECK_TIMEOUT_MS),
  {
    name: 'verifychain',
    summary: 'replay the stored chain from genesis and compare the UTXO set with the stored one; re-validate the last blocks in full',
    positionals: [],
    options: {
      depth: { type: 'string', value: 'N', kind: 'count', description: 'blocks from the tip to re-validate in full: PoW, merkle, signatures (default 288; 0 = all)' },
      offline: { type: 'boolean', description: 'check the chain database in --datadir here, with progress lines, instead of asking a node (works with the node stopped)' },
    },
    required: [],
    method: 'verifychain',
    params: (cmd) => (cmd.values['depth'] === undefined ? {} : { depth: cmd.values['depth'] }),
    format: format.verifychain,
    timeoutMs: RPC_CHECK_TIMEOUT_MS,
    exitCode: (r) => (typeof r === 'object' && r !== null && !Array.isArray(r) && r['ok'] === true ? EXIT_OK : EXIT_FAILURE),
  },
  simple('getmemoryinfo', 'memory of the node process: RSS, V8 heap, buffers, mempool usage (bytes)', format.getinfo),
  simple('stop', 'stop the node', format.stop),
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
