/** `cli peers`: a table of connections, then manual peers, bans and discouraged addresses. */
import type { JsonValue } from '../rpc/json.js';
import { type HintFor, plainHint } from './format.js';
import { shortId } from './format-traversal.js';

type JsonObject = { [key: string]: JsonValue };

const SEC_PER_MIN = 60;
const SEC_PER_HOUR = 3_600;
const COLUMN_GAP = '  ';

function obj(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function rows(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

const num = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/** 75 → "1m 15s", 3700 → "1h 01m". */
export function formatDuration(totalSec: number): string {
  const sec = Math.max(0, Math.floor(totalSec));
  if (sec < SEC_PER_MIN) return `${sec}s`;
  if (sec < SEC_PER_HOUR) return `${Math.floor(sec / SEC_PER_MIN)}m ${String(sec % SEC_PER_MIN).padStart(2, '0')}s`;
  return `${Math.floor(sec / SEC_PER_HOUR)}h ${String(Math.floor((sec % SEC_PER_HOUR) / SEC_PER_MIN)).padStart(2, '0')}m`;
}

function table(header: readonly string[], body: readonly string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(COLUMN_GAP)
      .trimEnd();
  return [line(header), ...body.map(line)];
}

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '-');

/** KEY / FOR / REASON rows of bans or discouraged addresses. */
function keyTable(title: string, entries: readonly JsonObject[]): string[] {
  const body = entries.map((b) => [String(b['key'] ?? '-'), formatDuration(num(b['remainingSec']) ?? 0), String(b['reason'] ?? '')]);
  return table([title, 'FOR', 'REASON'], body, new Set());
}

/** What the NOTE column says of a connection: a hole punch made it, through which relay. */
function peerNote(p: JsonObject): string {
  const punched = obj(p['punched']);
  return typeof punched['relay'] === 'string' ? `punched via ${shortId(punched['relay'])}` : '';
}

/** `cli listbanned`. */
export function formatBanned(result: JsonValue): string {
  const entries = rows(result);
  if (entries.length === 0) return 'no bans';
  return [`${entries.length} ban(s)`, ...keyTable('BANNED', entries)].join('\n');
}

export function formatPeers(result: JsonValue, hint: HintFor = plainHint): string {
  const { peers, bans, discouraged, manual } = obj(result);
  const peerRows = rows(peers);
  const banRows = rows(bans);
  const discouragedRows = rows(discouraged);
  const manualRows = rows(manual);
  const lines: string[] = [];
  if (peerRows.length === 0) {
    lines.push(`no peers connected (connect one with: ${hint('addpeer HOST:PORT')})`);
  } else {
    lines.push(`${peerRows.length} peer(s)`);
    const notes = peerRows.map(peerNote);
    const body = peerRows.map((p, i) => {
      const ping = num(p['pingMs']);
      const row = [
        typeof p['id'] === 'string' ? p['id'] : '(handshake)',
        String(p['address'] ?? '-'),
        p['direction'] === 'inbound' ? 'in' : 'out',
        p['ready'] === true ? String(num(p['height']) ?? '-') : '-',
        ping === undefined ? '-' : `${ping} ms`,
        formatDuration(num(p['connectedForSec']) ?? 0),
      ];
      return notes.some((n) => n !== '') ? [...row, notes[i]!] : row;
    });
    const header = ['ID', 'ADDRESS', 'DIR', 'HEIGHT', 'PING', 'CONNECTED'];
    lines.push(...table(notes.some((n) => n !== '') ? [...header, 'NOTE'] : header, body, new Set([3, 4])));
  }
  if (manualRows.length > 0) {
    lines.push('', `${manualRows.length} manual peer(s)`);
    const body = manualRows.map((m) => {
      const retry = num(m['nextRetrySec']);
      return [str(m['address']), str(m['state']), retry === undefined ? '-' : formatDuration(retry), str(m['lastError'])];
    });
    lines.push(...table(['MANUAL', 'STATE', 'RETRY IN', 'LAST ERROR'], body, new Set()));
  }
  if (banRows.length > 0) lines.push('', `${banRows.length} ban(s)`, ...keyTable('BANNED', banRows));
  if (discouragedRows.length > 0) {
    lines.push('', `${discouragedRows.length} discouraged (misbehaved: not dialled, accepted only while inbound slots are free)`, ...keyTable('DISCOURAGED', discouragedRows));
  }
  return lines.join('\n');
}
