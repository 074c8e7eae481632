/**
 * The RPC cookie: a random secret the node writes at start (0600) and a local client reads. The
 * file holds `__cookie__:<secret>`, bitcoind's format, so it is the user:password pair as is:
 * `curl --user "$(cat data/.cookie)" …` works.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COOKIE_FILE_NAME, COOKIE_SECRET_BYTES, COOKIE_USER } from './constants.js';

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
  writeFileSync(tmp, `${COOKIE_USER}:${secret}`, { mode: 0o600 });
  renameSync(tmp, file);
  return secret;
}

export function removeCookie(dataDir: string): void {
  rmSync(cookiePath(dataDir), { force: true });
}

/**
 * The secret (the Basic-auth password of user __cookie__), or undefined when the file does not
 * exist; other read errors throw. Reads the older secret-only format too.
 */
export function readCookie(dataDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(cookiePath(dataDir), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseCookie(text);
}

/** `__cookie__:<secret>` → secret; a line without the user (the old format) is the secret itself. */
export function parseCookie(text: string): string {
  const prefix = `${COOKIE_USER}:`;
  const line = text.trim();
  return line.startsWith(prefix) ? line.slice(prefix.length) : line;
}
