/**
 * The TCP side's random draws go through the injected RandomSource (src/util/random-source.ts):
 * the simulator passes a seeded one per node, so one seed reproduces a run; production passes
 * nothing and keeps node:crypto's CSPRNG, as before — predictable bucket keys, eviction salts or
 * nonces would let an attacker game the address table, the eviction ranking or the sessions.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { AddressManager } from '../../../src/p2p/addrman/index.js';
import { BUCKET_KEY_BYTES } from '../../../src/p2p/addrman/constants.js';
import { BanList } from '../../../src/p2p/bans.js';
import { CompactSender, type CompactStats } from '../../../src/p2p/compact/compact-sender.js';
import { toCompactBlock } from '../../../src/p2p/compact/partial-block.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { EVICTION_KEY_BYTES } from '../../../src/p2p/constants.js';
import { DiscouragedSet } from '../../../src/p2p/discouraged.js';
import { InboundGate } from '../../../src/p2p/inbound.js';
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import { classifyAddress } from '../../../src/p2p/netgroup.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { RelayChain } from '../../../src/p2p/relay-deps.js';
import { SessionTimers } from '../../../src/p2p/session-timers.js';
import type { WireMessage } from '../../../src/p2p/wire/index.js';
import { Rng } from '../../../src/sim/rng.js';
import { silentLogger } from '../../../src/util/logger.js';
import { CRYPTO_RANDOM, type RandomSource, randomSourceFrom } from '../../../src/util/random-source.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';
import { loopbackPeer } from '../../helpers/loopback-peer.js';

const OWN_ID = 'ab'.repeat(32);
const seeded = (seed: number): RandomSource => {
  const rng = new Rng(seed);
  return randomSourceFrom(() => rng.next());
};

/** A source that records what was drawn from it (sizes of byte draws, count of the others). */
function recording(inner: RandomSource): RandomSource & { readonly byteDraws: number[]; uint64Draws: number } {
  const byteDraws: number[] = [];
  const source = {
    byteDraws,
    uint64Draws: 0,
    fraction: () => inner.fraction(),
    bytes: (length: number) => {
      byteDraws.push(length);
      return inner.bytes(length);
    },
    uint64: () => {
      source.uint64Draws++;
      return inner.uint64();
    },
  };
  return source;
}

const openManager = (random?: RandomSource): Promise<AddressManager> =>
  AddressManager.open({ dataDir: undefined, ownNodeId: OWN_ID, useAnchors: false, logger: silentLogger(), ...(random ? { random } : {}) });

test('the address manager draws its bucket key from the CSPRNG by default, from the given source otherwise', async (t) => {
  const [a, b] = [await openManager(), await openManager()];
  t.is(a.table.key.length, BUCKET_KEY_BYTES);
  t.false(a.table.key.equals(b.table.key), 'two nodes with the default source share a bucket key');
  const [c, d] = [await openManager(seeded(3)), await openManager(seeded(3))];
  t.true(c.table.key.equals(d.table.key));
  t.true(c.table.key.equals(seeded(3).bytes(BUCKET_KEY_BYTES)), 'the key is the source\'s first draw');
  t.false(c.table.key.equals((await openManager(seeded(4))).table.key));
});

test('the inbound gate salts its eviction ranking with a key from its source', (t) => {
  const options = {
    config: resolveP2PConfig({}),
    bans: new BanList(10),
    discouraged: new DiscouragedSet(10, 60_000),
    classify: classifyAddress,
    logger: silentLogger(),
  };
  const source = recording(CRYPTO_RANDOM);
  new InboundGate({ ...options, random: source });
  t.deepEqual(source.byteDraws, [EVICTION_KEY_BYTES]);
});

test('handshake nonces come from the session\'s source; by default two sessions differ', async (t) => {
  const [a, b] = [await loopbackPeer(t), await loopbackPeer(t)];
  t.not(a.peer.nonce, b.peer.nonce);
  const source = recording(seeded(9));
  const c = await loopbackPeer(t, { random: source });
  t.is(c.peer.nonce, seeded(9).uint64());
  t.is(source.uint64Draws, 1);
});

test('ping nonces come from the timers\' source; by default two pings differ', (t) => {
  const pings = (random?: RandomSource): bigint[] => {
    const sent: bigint[] = [];
    const timers = new SessionTimers({
      handshakeTimeoutMs: 60_000,
      frameTimeoutMs: 60_000,
      pingIntervalMs: 60_000,
      peerTimeoutMs: 60_000,
      direction: 'outbound',
      decoder: { hasPartialFrame: false, bufferedBytes: 0 },
      sendPing: (nonce) => sent.push(nonce),
      expired: () => undefined,
      ...(random ? { random } : {}),
    });
    for (let i = 0; i < 2; i++) {
      timers.ping();
      timers.pong(sent[sent.length - 1]!); // answered: the next ping may go
    }
    timers.stop();
    return sent;
  };
  const crypto = pings();
  t.is(crypto.length, 2);
  t.not(crypto[0], crypto[1]);
  t.deepEqual(pings(seeded(2)), pings(seeded(2)));
  const expected = seeded(2);
  t.deepEqual(pings(seeded(2)), [expected.uint64(), expected.uint64()]);
});

test('compact blocks we send take their short-id nonce from the relay\'s source; by default a fresh one each', (t) => {
  const block = buildBlock({ miner: makeKey() });
  t.not(toCompactBlock(block).nonce, toCompactBlock(block).nonce);
  const pushed = (random: RandomSource): bigint | undefined => {
    const sent: WireMessage[] = [];
    const peer = { isReady: true, known: new HashFilter(100), send: (msg: WireMessage) => sent.push(msg) > 0 } as unknown as Peer;
    const stats: CompactStats = { received: 0, rebuiltFromPool: 0, rebuiltWithBlockTxn: 0, txsRequested: 0, fellBack: 0, sent: 0 };
    const chain = { hasBlock: () => false } as unknown as RelayChain;
    new CompactSender({ chain, serve: () => undefined, countUnknown: () => true, stats, random }).push(block, [peer]);
    const msg = sent[0];
    t.is(msg?.kind, 'cmpct-block');
    return msg?.kind === 'cmpct-block' ? msg.nonce : undefined;
  };
  t.is(pushed(seeded(6)), seeded(6).uint64());
});

/** Every .ts file under `dir`. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

test('no Math.random in the peer layer: it is not a CSPRNG, and it bypasses the injected source', async (t) => {
  const root = join(process.cwd(), 'src', 'p2p');
  const files = await sources(root);
  t.true(files.length > 50, `found only ${files.length} files under ${root}`);
  const offenders: string[] = [];
  for (const file of files) if ((await readFile(file, 'utf8')).includes('Math.random')) offenders.push(file);
  t.deepEqual(offenders, [], 'draw from a RandomSource (src/util/random-source.ts) passed in through the options instead');
});
