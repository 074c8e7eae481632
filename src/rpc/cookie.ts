/** The RPC cookie: a random secret the node writes at start (0600) and a local client reads. */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COOKIE_FILE_NAME, COOKIE_SECRET_BYTES } from './constants.js';

export function cookiePath(dataDir: string): string {
  return join(dataDir, COOKIE_FILE_NAME);
}

/** Writes a fresh secret atomically (a client never reads half a cookie) and returns it. */
export function writeCookie(dataDir: string): string {
  // Web Crypto's CSPRNG (the global `crypto`, loaded on first use) rather than an import of
  // node:crypto: every CLI command loads this module to read the cookie, and node:crypto costs
  // ~4 ms of start-up there (measured, docs/architecture.md "CLI parser").
  const secret = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(COOKIE_SECRET_BYTES))).toString('hex');
  const file = cookiePath(dataDir);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return secret;
}

export function removeCookie(dataDir: string): void {
  rmSync(cookiePath(dataDir), { force: true });
}

/** The secret, or undefined when the file does not exist; other read errors throw. */
export function readCookie(dataDir: string): string | undefined {
  try {
    return readFileSync(cookiePath(dataDir), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
