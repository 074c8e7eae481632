import { publicKeyToAddress } from '../primitives/address.js';
import { hash160 } from '../primitives/hash.js';
import { generatePrivateKey, publicKeyOf, sign } from '../primitives/secp256k1.js';
import { Transaction } from '../primitives/tx.js';
import type { Logger } from '../util/logger.js';
import { WALLET_LABEL_MAX_CHARS } from './constants.js';
import { WalletError } from './errors.js';
import { type WalletKey, readWalletFile, writeWalletFile } from './wallet-file.js';

export interface WalletOptions {
  /** The wallet JSON file (the node uses <datadir>/wallet.json). */
  path: string;
  logger: Logger;
}

/** Printable text of at most WALLET_LABEL_MAX_CHARS characters (a label shows in terminals and JSON). */
function checkLabel(label: string): void {
  if (label.length > WALLET_LABEL_MAX_CHARS) throw new WalletError('invalid-label', `a label may have at most ${WALLET_LABEL_MAX_CHARS} characters, this one has ${label.length}`);
  if (/[\u0000-\u001f\u007f]/.test(label)) throw new WalletError('invalid-label', 'a label may not hold control characters (newlines, tabs, escapes)');
}

/**
 * Private keys in a JSON file (mode 0600, replaced atomically on every change). Keys are looked
 * up by public-key hash (what outputs pay to) and by public key (what inputs carry).
 */
export class Wallet {
  readonly path: string;
  private readonly logger: Logger;
  private readonly keys: WalletKey[];
  private readonly byPubKeyHash = new Map<string, WalletKey>();
  private readonly byPublicKey = new Map<string, WalletKey>();
  /** Serialises file writes so two concurrent createKey() calls cannot lose a key. */
  private writeQueue: Promise<void> = Promise.resolve();

  private constructor(path: string, logger: Logger, keys: WalletKey[]) {
    this.path = path;
    this.logger = logger;
    this.keys = [];
    for (const key of keys) this.index(key);
  }

  /** Missing file → empty wallet (the file is created on the first key); a bad file → WalletError naming it. */
  static async open(options: WalletOptions): Promise<Wallet> {
    const logger = options.logger.child({ component: 'wallet' });
    const keys = await readWalletFile(options.path, logger);
    if (keys) logger.debug({ file: options.path, keys: keys.length }, 'wallet loaded');
    return new Wallet(options.path, logger, keys ?? []);
  }

  private index(key: WalletKey): void {
    this.keys.push(key);
    this.byPubKeyHash.set(hash160(key.publicKey).toString('hex'), key);
    this.byPublicKey.set(key.publicKey.toString('hex'), key);
  }

  private unindex(key: WalletKey): void {
    this.keys.splice(this.keys.indexOf(key), 1);
    this.byPubKeyHash.delete(hash160(key.publicKey).toString('hex'));
    this.byPublicKey.delete(key.publicKey.toString('hex'));
  }

  /** Creates a key and returns its address only once the wallet file holding it is on disk. */
  async createKey(): Promise<string> {
    const key = await this.addKey(generatePrivateKey());
    this.logger.info({ address: key.address }, 'new key created');
    return key.address;
  }

  /**
   * Adds a private key (importprivkey) once the wallet file holding it is on disk; a key already
   * here is left as it is (`added` false), unless a new label is given: then only its label
   * changes. No rescan: balances come from the chain's address index.
   */
  async importKey(privateKey: Buffer, label?: string): Promise<{ address: string; added: boolean }> {
    if (label !== undefined) checkLabel(label);
    const publicKeyHex = publicKeyOf(privateKey).toString('hex');
    if (this.byPublicKey.has(publicKeyHex)) {
      // The same key imported twice at once: answer once the first import's write is done.
      await this.writeQueue;
      const existing = this.byPublicKey.get(publicKeyHex);
      if (existing) {
        if (label !== undefined && label !== existing.label) await this.relabel(existing, label);
        return { address: existing.address, added: false };
      }
    }
    const key = await this.addKey(privateKey, label);
    this.logger.info({ address: key.address }, 'key imported');
    return { address: key.address, added: true };
  }

  /** The private key behind an address's hash, if the wallet holds it (dumpprivkey). */
  privateKeyFor(pubKeyHash: Buffer): Buffer | undefined {
    return this.byPubKeyHash.get(pubKeyHash.toString('hex'))?.privateKey;
  }

  /** The label of a key of this wallet, if it has one. */
  labelFor(pubKeyHash: Buffer): string | undefined {
    return this.byPubKeyHash.get(pubKeyHash.toString('hex'))?.label;
  }

  private async relabel(old: WalletKey, label: string): Promise<void> {
    const key: WalletKey = { ...old, label };
    const swap = (from: WalletKey, to: WalletKey): void => {
      this.keys[this.keys.indexOf(from)] = to;
      this.byPubKeyHash.set(hash160(to.publicKey).toString('hex'), to);
      this.byPublicKey.set(to.publicKey.toString('hex'), to);
    };
    swap(old, key);
    try {
      await this.write();
    } catch (err) {
      swap(key, old);
      throw err;
    }
  }

  private write(): Promise<void> {
    const write = this.writeQueue.then(() => writeWalletFile(this.path, this.keys.slice()));
    this.writeQueue = write.catch(() => undefined);
    return write;
  }

  private async addKey(privateKey: Buffer, label?: string): Promise<WalletKey> {
    const publicKey = publicKeyOf(privateKey);
    const key: WalletKey = { privateKey, publicKey, address: publicKeyToAddress(publicKey), createdAt: new Date().toISOString(), ...(label === undefined ? {} : { label }) };
    this.index(key);
    try {
      await this.write();
    } catch (err) {
      this.unindex(key);
      throw err;
    }
    return key;
  }

  /** Addresses in creation order. */
  addresses(): string[] {
    return this.keys.map((k) => k.address);
  }

  hasPubKeyHash(pubKeyHash: Buffer): boolean {
    return this.byPubKeyHash.has(pubKeyHash.toString('hex'));
  }

  /** The public key behind an address's hash, if the wallet holds it (inputs carry it). */
  publicKeyFor(pubKeyHash: Buffer): Buffer | undefined {
    return this.byPubKeyHash.get(pubKeyHash.toString('hex'))?.publicKey;
  }

  /** The first key's hash: the default mining address. */
  get firstPubKeyHash(): Buffer | undefined {
    const first = this.keys[0];
    return first ? hash160(first.publicKey) : undefined;
  }

  /** Signs every input whose public key is one of ours; other inputs are left as they are. */
  signTransaction(tx: Transaction): Transaction {
    // sighash blanks every signature, so every digest comes from `tx` itself: its preimage is built
    // (and, for a large transaction, hashed up to the index) once, not once per input signed.
    let signedAny = false;
    const inputs = tx.inputs.map((input, i) => {
      const key = this.byPublicKey.get(input.publicKey.toString('hex'));
      if (!key) return input;
      signedAny = true;
      return { ...input, signature: sign(tx.sighash(i), key.privateKey) };
    });
    return signedAny ? new Transaction(tx.version, inputs, tx.outputs) : tx;
  }
}
