/**
 * Names people bring from bitcoin-cli (and the shorthand "gettx") for which kadchain has a command
 * under another name. Spelling distance cannot find these ("getbalance" is 3 edits from nothing we
 * have), so a bitcoind user typing what they know would otherwise be told only "unknown command".
 * Only unambiguous equivalents: a name whose bitcoind meaning we cover in part is left out.
 */
export const OTHER_COMMAND_NAMES: ReadonlyMap<string, string> = new Map([
  ['getbalance', 'balance'],
  ['getnewaddress', 'createwallet'],
  ['listaddresses', 'printwallet'],
  ['sendtoaddress', 'send'],
  ['getblockheader', 'print'],
  ['generate', 'mine'],
  ['generatetoaddress', 'mine'],
  ['gettx', 'gettransaction'],
  ['getrawtransaction', 'gettransaction'],
  ['getrawmempool', 'mempool'],
  ['getpeerinfo', 'peers'],
  ['addnode', 'addpeer'],
  ['setban', 'ban'],
  ['getblockcount', 'getinfo'],
  ['getblockchaininfo', 'getinfo'],
]);
