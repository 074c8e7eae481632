/** `cli peers`: a table of connections, then the bans. */
import type { JsonValue } from '../rpc/json.js';
import { CLI_NAME } from './constants.js';

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

export function formatPeers(result: JsonValue): string {
  const { peers, bans } = obj(result);
  const peerRows = rows(peers);
  const banRows = rows(bans);
  const lines: string[] = [];
  if (peerRows.length === 0) {
    lines.push(`no peers connected (connect one with: ${CLI_NAME} addpeer HOST:PORT)`);
  } else {
    lines.push(`${peerRows.length} peer(s)`);
    const body = peerRows.map((p) => {
      const ping = num(p['pingMs']);
      return [
        typeof p['id'] === 'string' ? p['id'] : '(handshake)',
        String(p['address'] ?? '-'),
        p['direction'] === 'inbound' ? 'in' : 'out',
        p['ready'] === true ? String(num(p['height']) ?? '-') : '-',
        ping === undefined ? '-' : `${ping} ms`,
        formatDuration(num(p['connectedForSec']) ?? 0),
      ];
    });
    lines.push(...table(['ID', 'ADDRESS', 'DIR', 'HEIGHT', 'PING', 'CONNECTED'], body, new Set([3, 4])));
  }
  if (banRows.length > 0) {
    lines.push('', `${banRows.length} ban(s)`);
    const body = banRows.map((b) => [String(b['key'] ?? '-'), formatDuration(num(b['remainingSec']) ?? 0), String(b['reason'] ?? '')]);
    lines.push(...table(['BANNED', 'FOR', 'REASON'], body, new Set()));
  }
  return lines.join('\n');
}
