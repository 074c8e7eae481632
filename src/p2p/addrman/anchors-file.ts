/**
 * anchors.json: the outbound peers we were connected to longest at the last clean stop (Core's
 * anchors.dat). Read once at start and deleted at once, so a node that crashes while dialling
 * them does not stay pinned to them across a crash loop.
 */
import { promises as fs } from 'node:fs';
import { errorMessage } from '../../util/errors.js';
import { ADDRMAN_FILE_VERSION, MAX_ANCHORS, MAX_ANCHORS_FILE_BYTES } from './constants.js';
import type { PeerAddress } from './entry.js';
import { AddrmanError } from './errors.js';
import { readBoundedFile, writeFileAtomic } from './file.js';
import { peerAddressProblem, toPeerAddress } from './peers-file.js';

export async function writeAnchors(file: string, anchors: readonly PeerAddress[]): Promise<void> {
  const list = anchors.slice(0, MAX_ANCHORS).map(({ nodeId, ip, tcpPort }) => ({ nodeId, ip, tcpPort }));
  await writeFileAtomic(file, `${JSON.stringify({ version: ADDRMAN_FILE_VERSION, anchors: list }, null, 2)}\n`);
}

export function parseAnchorsJson(file: string, text: string): PeerAddress[] {
  const corrupt = (reason: string): AddrmanError => new AddrmanError('file-corrupt', `anchors file ${file} is corrupt: ${reason}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(`it is not valid JSON (${errorMessage(err)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt('the top level is not a JSON object');
  const { version, anchors } = json as Record<string, unknown>;
  if (version !== ADDRMAN_FILE_VERSION) throw corrupt(`version is ${String(version)}, this node reads version ${ADDRMAN_FILE_VERSION}`);
  if (!Array.isArray(anchors)) throw corrupt('"anchors" is not a list');
  return anchors.slice(0, MAX_ANCHORS).map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt(`anchor ${i} is not an object`);
    const problem = peerAddressProblem(raw as Record<string, unknown>);
    if (problem !== undefined) throw corrupt(`anchor ${i} ${problem}`);
    return toPeerAddress(raw as Record<string, unknown>);
  });
}

/**
 * Reads and deletes anchors.json (deleted even when unusable). Undefined when there is none;
 * an AddrmanError when it could not be used.
 */
export async function takeAnchors(file: string): Promise<PeerAddress[] | undefined> {
  let text: string | undefined;
  try {
    text = await readBoundedFile(file, MAX_ANCHORS_FILE_BYTES);
  } finally {
    await fs.rm(file, { force: true }).catch(() => undefined);
  }
  return text === undefined ? undefined : parseAnchorsJson(file, text);
}
