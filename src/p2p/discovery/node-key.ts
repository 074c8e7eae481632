import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../primitives/hash.js';
import { PRIVATE_KEY_BYTES, generatePrivateKey, isValidPrivateKey, publicKeyOf } from '../../primitives/secp256k1.js';
import { NODE_KEY_FILE_MODE, NODE_KEY_FILE_NAME } from './constants.js';
import { NodeKeyError } from './errors.js';

/** The node's network identity: signs discovery packets; its id places the node in everyone's routing table. */
export interface NodeKey {
  readonly privateKey: Buffer;
  /** 33-byte compressed secp256k1 public key. */
  readonly publicKey: Buffer;
  /** sha256(publicKey): one SHA-256 (not hash256) — it is an identifier, nothing is mined on it. */
  readonly nodeId: Buffer;
}

export interface LoadedNodeKey {
  readonly key: NodeKey;
  readonly path: string;
  /** True when this call generated the key (first start). */
  readonly created: boolean;
}

export function nodeIdFromPublicKey(publicKey: Uint8Array): Buffer {
  return sha256(publicKey);
}

export function nodeKeyFromPrivateKey(privateKey: Buffer): NodeKey {
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, nodeId: nodeIdFromPublicKey(publicKey) };
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function parseKeyFile(text: string, path: string): NodeKey {
  const hex = text.trim();
  const key = /^[0-9a-fA-F]+$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  if (key.length !== PRIVATE_KEY_BYTES || !isValidPrivateKey(key)) {
    throw new NodeKeyError(
      'invalid-node-key',
      `node key file ${path} does not hold a valid ${PRIVATE_KEY_BYTES}-byte hex secp256k1 private key; delete it to generate a new node identity`,
    );
  }
  return nodeKeyFromPrivateKey(key);
}

/** Writes a new key without ever exposing a half-written or world-readable file, and without clobbering a concurrent writer's key. */
async function createKeyFile(path: string): Promise<NodeKey | undefined> {
  const key = nodeKeyFromPrivateKey(generatePrivateKey());
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', NODE_KEY_FILE_MODE);
  try {
    await handle.writeFile(`${key.privateKey.toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path); // fails with EEXIST instead of replacing a key another process just created
    return key;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return undefined;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

/**
 * Loads <datadir>/nodekey, creating it (mode 0600) on first start. A file that exists but is
 * unreadable or malformed is an error naming the file: silently replacing it would change the
 * node's identity.
 */
export async function loadOrCreateNodeKey(datadir: string): Promise<LoadedNodeKey> {
  const path = join(datadir, NODE_KEY_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return { key: parseKeyFile(await readFile(path, 'utf8'), path), path, created: false };
    } catch (err) {
      if (err instanceof NodeKeyError) throw err;
      if (!isErrno(err, 'ENOENT')) {
        throw new NodeKeyError('node-key-unreadable', `cannot read node key file ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    try {
      await mkdir(datadir, { recursive: true, mode: 0o700 });
      const key = await createKeyFile(path);
      if (key) return { key, path, created: true };
    } catch (err) {
      throw new NodeKeyError('node-key-unreadable', `cannot create node key file ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new NodeKeyError('node-key-unreadable', `node key file ${path} keeps appearing and disappearing; check what else writes to the data dir`);
}
