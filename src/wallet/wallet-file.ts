import { promises as fs } from 'node:fs';
import path from 'node:path';
import { publicKeyToAddress } from '../primitives/address.js';
import { PRIVATE_KEY_BYTES, isValidPrivateKey, publicKeyOf } from '../primitives/secp256k1.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { WALLET_DIR_MODE, WALLET_FILE_LOOSE_BITS, WALLET_FILE_MODE, WALLET_FILE_VERSION, WALLET_LABEL_MAX_CHARS } from './constants.js';
import { WalletError } from './errors.js';

/** One key as the wallet keeps it in memory (public parts derived once at load). */
export interface WalletKey {
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
  readonly address: string;
  readonly createdAt: string;
  /** A name the user gave the key (importprivkey --label); absent for most keys. */
  readonly label?: string;
}

interface StoredKeyJson {
  privateKey: string;
  address: string;
  createdAt: string;
  label?: string;
}

interface WalletFileJson {
  version: number;
  keys: StoredKeyJson[];
}

const HEX_RE = /^[0-9a-f]*$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function corrupt(file: string, reason: string): WalletError {
  return new WalletError('wallet-corrupt', `wallet file ${file} is corrupt: ${reason}; restore it from a backup or move it away to start a new wallet`);
}

function parseKey(file: string, raw: unknown, index: number): WalletKey {
  if (!isObject(raw)) throw corrupt(file, `key ${index} is not an object`);
  const { privateKey, address, createdAt, label } = raw;
  if (typeof privateKey !== 'string' || privateKey.length !== PRIVATE_KEY_BYTES * 2 || !HEX_RE.test(privateKey)) {
    throw corrupt(file, `key ${index} has no ${PRIVATE_KEY_BYTES}-byte hex private key`);
  }
  const priv = Buffer.from(privateKey, 'hex');
  if (!isValidPrivateKey(priv)) throw corrupt(file, `key ${index} is not a valid secp256k1 private key`);
  const publicKey = publicKeyOf(priv);
  const derived = publicKeyToAddress(publicKey);
  if (address !== derived) throw corrupt(file, `key ${index} is stored with address ${String(address)} but its private key belongs to ${derived}`);
  if (typeof createdAt !== 'string') throw corrupt(file, `key ${index} has no createdAt date`);
  if (label !== undefined && (typeof label !== 'string' || label.length > WALLET_LABEL_MAX_CHARS)) throw corrupt(file, `key ${index} has a label that is not a string of at most ${WALLET_LABEL_MAX_CHARS} characters`);
  return { privateKey: priv, publicKey, address: derived, createdAt, ...(label === undefined ? {} : { label }) };
}

/** Parses a wallet file's text; every problem is a WalletError naming the file. */
export function parseWalletJson(file: string, text: string): WalletKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, `it is not valid JSON (${errorMessage(err)})`);
  }
  if (!isObject(json)) throw corrupt(file, 'the top level is not a JSON object');
  if (json.version !== WALLET_FILE_VERSION) throw corrupt(file, `version is ${String(json.version)}, this node reads version ${WALLET_FILE_VERSION}`);
  if (!Array.isArray(json.keys)) throw corrupt(file, '"keys" is not a list');
  return json.keys.map((raw, i) => parseKey(file, raw, i));
}

/** Reads the wallet file; undefined when it does not exist yet. Warns when others may read it. */
export async function readWalletFile(file: string, logger: Logger): Promise<WalletKey[] | undefined> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new WalletError('wallet-unreadable', `wallet file ${file} is not a regular file`);
    if ((stat.mode & WALLET_FILE_LOOSE_BITS) !== 0) {
      logger.warn({ file, mode: (stat.mode & 0o777).toString(8) }, `wallet file ${file} is readable by other users; run "chmod 600 ${file}"`);
    }
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof WalletError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WalletError('wallet-unreadable', `wallet file ${file} cannot be read (${errorMessage(err)}); check its permissions`, { cause: err });
  }
  return parseWalletJson(file, text);
}

export function serializeWallet(keys: readonly WalletKey[]): string {
  const json: WalletFileJson = {
    version: WALLET_FILE_VERSION,
    keys: keys.map((k) => ({ privateKey: k.privateKey.toString('hex'), address: k.address, createdAt: k.createdAt, ...(k.label === undefined ? {} : { label: k.label }) })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * Atomic replace: write a temp file in the same directory (same filesystem, so rename is atomic),
 * fsync it, rename over the old file, fsync the directory. A crash at any point leaves either the
 * old or the new wallet, never a torn one.
 */
export async function writeWalletFile(file: string, keys: readonly WalletKey[]): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: WALLET_DIR_MODE });
    await writeFileAtomic(file, serializeWallet(keys), WALLET_FILE_MODE);
  } catch (err) {
    throw new WalletError('wallet-unreadable', `wallet file ${file} cannot be written (${errorMessage(err)}); check the directory's permissions and free space`, { cause: err });
  }
}
