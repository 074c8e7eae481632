export * from './constants.js';
export * from './errors.js';
export * from './payment.js';
export * from './wallet.js';
export { parseWalletJson, readWalletFile, writeWalletFile, type WalletKey } from './wallet-file.js';
export * from './wif.js';
export * from './coin-index.js';
