/**
 * A block fixture on disk, so that several source processes serve the same chain: the fixture
 * has random keys and a clock-based start time, so two builds never agree. Layout: the inputs
 * count (u32 LE), then genesis and blocks 1..n, each a u32 LE length and the encoded block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { BlockFixture } from './block-fixture.js';

const U32_BYTES = 4;

export function writeFixtureFile(path: string, fixture: BlockFixture): void {
  const parts = [fixture.genesis, ...fixture.blocks];
  const out = Buffer.allocUnsafe(U32_BYTES + parts.reduce((n, p) => n + U32_BYTES + p.length, 0));
  let at = out.writeUInt32LE(fixture.inputs, 0);
  for (const part of parts) {
    at = out.writeUInt32LE(part.length, at);
    at += part.copy(out, at);
  }
  writeFileSync(path, out);
}

export function readFixtureFile(path: string): BlockFixture {
  const bytes = readFileSync(path);
  const inputs = bytes.readUInt32LE(0);
  const parts: Buffer[] = [];
  let at = U32_BYTES;
  while (at < bytes.length) {
    if (at + U32_BYTES > bytes.length) throw new Error(`${path}: truncated length at byte ${at}`);
    const length = bytes.readUInt32LE(at);
    at += U32_BYTES;
    if (at + length > bytes.length) throw new Error(`${path}: a block of ${length} bytes runs past the end at byte ${at}`);
    parts.push(bytes.subarray(at, at + length));
    at += length;
  }
  const [genesis, ...blocks] = parts;
  if (genesis === undefined) throw new Error(`${path}: no genesis block`);
  return { genesis, blocks, inputs };
}
