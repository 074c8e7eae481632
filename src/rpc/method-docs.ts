/**
 * The one table of RPC method docs: a one-line summary and the parameters of every method
 * allMethods registers (index.ts). The `help` method answers from it, and a unit test checks that
 * every registered method has an entry, every entry a method, and that the parameter names match
 * the ones each method's parseParams accepts, so the table cannot drift from the code.
 */

export interface ParamDoc {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
}

export interface MethodDoc {
  readonly summary: string;
  /** In positional order (a params array is read in this order). */
  readonly params: readonly ParamDoc[];
}

const ADDRESS = 'a 1… address';

export const METHOD_DOCS: Readonly<Record<string, MethodDoc>> = {
  help: { summary: 'list the RPC methods, or show one method\'s parameters', params: [{ name: 'command', description: 'a method name', optional: true }] },
  getinfo: { summary: 'height, tip, genesis, mempool size, peers, wallet and NAT summary', params: [] },
  print: { summary: 'the block header at a height of the active chain', params: [{ name: 'height', description: 'block height (0 = genesis)' }] },
  getblockheader: { summary: 'the block header at a height of the active chain (same as print)', params: [{ name: 'height', description: 'block height (0 = genesis)' }] },
  getblockchaininfo: { summary: 'where the chain is and how far a sync has come: headers, blocks, verification progress, initial block download', params: [] },
  getblock: {
    summary: 'a block by hash or height: header fields, confirmations and its txids (verbose: full transactions)',
    params: [
      { name: 'ref', description: 'block hash (64 hex digits) or height' },
      { name: 'verbose', description: 'true: every transaction with its inputs and outputs (default false)', optional: true },
    ],
  },
  getblocks: {
    summary: 'summaries of active-chain blocks from a height up (the course\'s blocks?start)',
    params: [
      { name: 'start', description: 'first height' },
      { name: 'count', description: 'how many blocks (default 10, at most 100)', optional: true },
    ],
  },
  gettransaction: { summary: 'a transaction in the mempool or the chain: confirmations, block, inputs, outputs, fee', params: [{ name: 'txid', description: '64 hex digits' }] },
  getindexinfo: { summary: 'the transaction and address indexes: whether they have reached the chain tip, and the last block they hold', params: [] },
  getaddress: {
    summary: 'an address\'s balance parts and its transactions, newest first, a page at a time',
    params: [
      { name: 'address', description: ADDRESS },
      { name: 'limit', description: 'transactions per page (default 25, at most 100)', optional: true },
      { name: 'before', description: 'the cursor of the previous page (or a height)', optional: true },
    ],
  },
  balance: { summary: 'confirmed, immature and unconfirmed balance of any address', params: [{ name: 'address', description: ADDRESS }] },
  gettxoutsetinfo: { summary: 'the UTXO set: height, unspent outputs, total amount and a digest', params: [] },
  verifychain: {
    summary: 'replay the stored chain and compare the UTXO set; re-validate the last blocks in full',
    params: [{ name: 'depth', description: 'blocks from the tip to re-validate in full (default 288; 0 = all)', optional: true }],
  },
  createwallet: { summary: 'create a new address in the node\'s wallet', params: [] },
  printwallet: { summary: 'the addresses in the node\'s wallet', params: [] },
  send: {
    summary: 'pay coins from one of the node\'s addresses; returns the txid',
    params: [
      { name: 'from', description: 'paying address (its key must be in the wallet)' },
      { name: 'to', description: 'receiving address' },
      { name: 'amount', description: 'whole coins (> 0)' },
      { name: 'fee', description: 'whole coins paid to the miner (default 0)', optional: true },
    ],
  },
  sendrawtransaction: {
    summary: 'submit a transaction signed elsewhere (hex); returns its txid. Errors: -22 not a transaction, -25 invalid (inputs missing or spent, bad signature), -26 refused by the mempool\'s policy',
    params: [{ name: 'hexstring', description: 'the signed transaction, hex-encoded' }],
  },
  listunspent: {
    summary: 'unspent outputs of an address, or of every wallet address: confirmed, immature and in the mempool (0 confirmations)',
    params: [{ name: 'address', description: `${ADDRESS} (default: every wallet address)`, optional: true }],
  },
  dumpprivkey: { summary: 'the private key of a wallet address as WIF: anyone who sees it can spend that address\'s coins', params: [{ name: 'address', description: 'an address of this wallet' }] },
  importprivkey: {
    summary: 'add a private key (compressed WIF, K… or L…) to the wallet; no rescan is needed',
    params: [
      { name: 'privateKey', description: 'the key as WIF' },
      { name: 'label', description: 'a name for its address, shown by listunspent (at most 100 characters)', optional: true },
    ],
  },
  genesis_block: { summary: 'create the genesis block on an empty chain; its reward goes to a new wallet address', params: [] },
  mine: { summary: 'mine blocks now, one after another, with the mempool\'s transactions', params: [{ name: 'count', description: 'blocks to mine, 1 to 1000 (default 1)', optional: true }] },
  mempool: { summary: 'transactions waiting for a block, with the pool\'s size and minimum fee rate', params: [] },
  peers: { summary: 'connected peers, manual peers, bans and discouraged addresses', params: [] },
  addpeer: { summary: 'connect to a peer now and keep reconnecting to it', params: [{ name: 'address', description: 'host:port of its TCP port' }] },
  removepeer: { summary: 'stop reconnecting to a peer added with addpeer and close our connection to it', params: [{ name: 'address', description: 'host:port as it was added' }] },
  ban: {
    summary: 'ban an IP address or node id: disconnect it and refuse it until the ban ends',
    params: [
      { name: 'key', description: 'an IP address or a node id (64 hex digits)' },
      { name: 'durationSec', description: 'ban length in seconds (default p2p.banDurationSec)', optional: true },
      { name: 'reason', description: 'why, shown by listbanned', optional: true },
    ],
  },
  unban: { summary: 'lift the ban of an IP address or node id', params: [{ name: 'key', description: 'an IP address or a node id' }] },
  listbanned: { summary: 'banned IP addresses and node ids, with time left and reason', params: [] },
  clearbanned: { summary: 'lift every ban', params: [] },
  nat: { summary: 'router port mapping, external address, reachability and hole punching state', params: [] },
  punch: { summary: 'open a direct connection to a node through a common peer (TCP hole punching)', params: [{ name: 'nodeId', description: 'the node\'s id (64 hex digits)' }] },
  getmemoryinfo: { summary: 'memory of the node process in bytes', params: [{ name: 'gc', description: 'run a full garbage collection first (needs node --expose-gc)', optional: true }] },
  stop: { summary: 'stop the node', params: [] },
};

/** "send from to amount [fee]". */
export function methodUsage(name: string, doc: MethodDoc): string {
  return [name, ...doc.params.map((p) => (p.optional ? `[${p.name}]` : p.name))].join(' ');
}
