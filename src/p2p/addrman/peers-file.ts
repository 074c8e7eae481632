/** peers.json: the address table's key and entries, as JSON (small, and readable by a person). */
import { errorMessage } from '../../util/errors.js';
import { normalizeIp } from '../discovery/endpoint.js';
import { ADDRMAN_FILE_VERSION, BUCKET_KEY_BYTES } from './constants.js';
import type { AddressEntry, PeerAddress } from './entry.js';
import { AddrmanError } from './errors.js';
import type { AddressTable } from './table.js';

/** Node ids are sha256 of the node's public key. */
const NODE_ID_HEX_CHARS = 64;
const HEX_RE = /^[0-9a-f]*$/;
const MAX_PORT = 0xffff;

export interface StoredPeers {
  readonly key: Buffer;
  readonly entries: AddressEntry[];
}

export function serializePeers(table: AddressTable): string {
  return `${JSON.stringify({ version: ADDRMAN_FILE_VERSION, key: table.key.toString('hex'), entries: table.entries() })}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only the canonical form: the table keys on the text, and a zone ("%eth0") cannot be bucketed. */
function isCanonicalIp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return normalizeIp(value) === value;
  } catch {
    return false;
  }
}

function isTimeMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks the fields every stored address has (peers.json entries and anchors). Returns a reason or undefined. */
export function peerAddressProblem(raw: Record<string, unknown>): string | undefined {
  const { nodeId, ip, tcpPort } = raw;
  if (typeof nodeId !== 'string' || nodeId.length !== NODE_ID_HEX_CHARS || !HEX_RE.test(nodeId)) return `has no ${NODE_ID_HEX_CHARS}-character lowercase hex nodeId`;
  if (!isCanonicalIp(ip)) return 'has no IP address in canonical form in "ip"';
  if (typeof tcpPort !== 'number' || !Number.isInteger(tcpPort) || tcpPort < 1 || tcpPort > MAX_PORT) return 'has no port number (1-65535) in "tcpPort"';
  return undefined;
}

export function toPeerAddress(raw: Record<string, unknown>): PeerAddress {
  return { nodeId: raw.nodeId as string, ip: raw.ip as string, tcpPort: raw.tcpPort as number };
}

function parseEntry(raw: unknown): AddressEntry | string {
  if (!isObject(raw)) return 'is not an object';
  const problem = peerAddressProblem(raw);
  if (problem !== undefined) return problem;
  const { source, lastSeenMs, lastTriedMs, lastSuccessMs, attempts, tried } = raw;
  if (!isCanonicalIp(source)) return 'has no IP address in canonical form in "source"';
  if (!isTimeMs(lastSeenMs) || !isTimeMs(lastTriedMs) || !isTimeMs(lastSuccessMs)) return 'has a time that is not a whole number of ms';
  if (!isTimeMs(attempts)) return 'has no attempt count';
  if (typeof tried !== 'boolean') return 'has no "tried" flag';
  return { ...toPeerAddress(raw), source, lastSeenMs, lastTriedMs, lastSuccessMs, attempts, tried };
}

/** Parses peers.json; every problem is an AddrmanError naming the file. */
export function parsePeersJson(file: string, text: string): StoredPeers {
  const corrupt = (reason: string): AddrmanError => new AddrmanError('file-corrupt', `peer table ${file} is corrupt: ${reason}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(`it is not valid JSON (${errorMessage(err)})`);
  }
  if (!isObject(json)) throw corrupt('the top level is not a JSON object');
  if (json.version !== ADDRMAN_FILE_VERSION) throw corrupt(`version is ${String(json.version)}, this node reads version ${ADDRMAN_FILE_VERSION}`);
  const { key, entries } = json;
  if (typeof key !== 'string' || key.length !== BUCKET_KEY_BYTES * 2 || !HEX_RE.test(key)) throw corrupt(`"key" is not ${BUCKET_KEY_BYTES} bytes of lowercase hex`);
  if (!Array.isArray(entries)) throw corrupt('"entries" is not a list');
  const parsed = entries.map((raw, i) => {
    const entry = parseEntry(raw);
    if (typeof entry === 'string') throw corrupt(`entry ${i} ${entry}`);
    return entry;
  });
  return { key: Buffer.from(key, 'hex'), entries: parsed };
}
