/**
 * <datadir>/banlist.json (Bitcoin Core keeps its manual bans in banlist.json too): written
 * atomically after every change, read at start. A damaged file is reported and set aside
 * rather than stopping the node: bans are a convenience, not state the chain depends on.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { errorMessage } from '../util/errors.js';
import type { BanEntry } from './bans.js';
import { P2PError } from './errors.js';

export const BAN_FILE_NAME = 'banlist.json';
const BAN_FILE_VERSION = 1;
/** Owner-only, like the wallet: it names the addresses this operator distrusts. */
const BAN_FILE_MODE = 0o600;

interface BanFileJson {
  version: number;
  bans: BanEntry[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseEntry(file: string, raw: unknown, i: number): BanEntry {
  if (!isRecord(raw) || typeof raw['key'] !== 'string' || typeof raw['reason'] !== 'string' || !Number.isSafeInteger(raw['createdMs']) || !Number.isSafeInteger(raw['untilMs'])) {
    throw new P2PError('ban-file-corrupt', `ban file ${file}: entry ${i} is not {key, reason, createdMs, untilMs}`);
  }
  return { key: raw['key'], reason: raw['reason'], createdMs: raw['createdMs'] as number, untilMs: raw['untilMs'] as number };
}

export function parseBanFile(file: string, text: string): BanEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new P2PError('ban-file-corrupt', `ban file ${file} is not valid JSON (${errorMessage(err)})`);
  }
  if (!isRecord(json) || json['version'] !== BAN_FILE_VERSION || !Array.isArray(json['bans'])) {
    throw new P2PError('ban-file-corrupt', `ban file ${file} is not a version ${BAN_FILE_VERSION} ban list`);
  }
  return json['bans'].map((raw, i) => parseEntry(file, raw, i));
}

/** The persisted bans; [] when the file does not exist yet. */
export async function readBanFile(file: string): Promise<BanEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new P2PError('ban-file-corrupt', `ban file ${file} cannot be read (${errorMessage(err)})`, { cause: err });
  }
  return parseBanFile(file, text);
}

/** Atomic replace (src/util/atomic-file.ts). */
export async function writeBanFile(file: string, bans: readonly BanEntry[]): Promise<void> {
  const json: BanFileJson = { version: BAN_FILE_VERSION, bans: [...bans] };
  try {
    await writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, BAN_FILE_MODE);
  } catch (err) {
    throw new P2PError('ban-file-unwritable', `ban file ${file} cannot be written (${errorMessage(err)}); check the directory's permissions and free space`, { cause: err });
  }
}
