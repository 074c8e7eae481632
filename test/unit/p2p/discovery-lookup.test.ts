import test from 'ava';
import { randomBytes } from 'node:crypto';
import { iterativeLookup, type LookupNode } from '../../../src/p2p/discovery/lookup.js';
import { compareDistance } from '../../../src/p2p/discovery/routing-table.js';

/**
 * A simulated Kademlia network: each node knows its NEAREST_NEIGHBOURS closest nodes by XOR
 * distance (a real routing table's close buckets are always full) plus `degree` random others.
 * With random contacts alone a lookup may legitimately miss the closest node (~15 % of runs).
 */
const NEAREST_NEIGHBOURS = 8;

function network(size: number, degree: number): { ids: Buffer[]; knows: Map<string, LookupNode[]> } {
  const ids = Array.from({ length: size }, () => randomBytes(32));
  const knows = new Map<string, LookupNode[]>();
  for (const id of ids) {
    const known = closestTo(id, ids.filter((other) => !other.equals(id)), NEAREST_NEIGHBOURS);
    for (let j = 0; j < degree; j++) known.push(ids[Math.floor(Math.random() * size)]);
    knows.set(id.toString('hex'), known.map((x) => ({ id: x })));
  }
  return { ids, knows };
}

function closestTo(target: Buffer, ids: Buffer[], k: number): Buffer[] {
  return [...ids].sort((a, b) => compareDistance(target, a, b)).slice(0, k);
}

test('finds the k closest nodes of a simulated network, never more than alpha queries at once', async (t) => {
  const { ids, knows } = network(300, 30);
  const target = randomBytes(32);
  const self = ids[0];
  let inFlight = 0;
  let maxInFlight = 0;
  const found = await iterativeLookup<LookupNode>({
    target,
    seeds: knows.get(self.toString('hex')) ?? [],
    selfId: self,
    k: 16,
    alpha: 3,
    query: async (node) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      const known = knows.get(node.id.toString('hex')) ?? [];
      return [...known].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, 16);
    },
  });
  t.is(maxInFlight, 3);
  t.is(found.length, 16);
  const best = closestTo(target, ids.filter((id) => !id.equals(self)), 1)[0];
  t.true(found[0].id.equals(best));
  t.false(found.some((n) => n.id.equals(self)), 'self is never part of the result');
});

test('failed and throwing nodes are left out and the lookup still ends', async (t) => {
  const target = randomBytes(32);
  const seeds: LookupNode[] = Array.from({ length: 6 }, () => ({ id: randomBytes(32) }));
  const found = await iterativeLookup<LookupNode>({
    target,
    seeds,
    selfId: randomBytes(32),
    k: 16,
    alpha: 3,
    query: async (node) => {
      const i = seeds.indexOf(node);
      if (i % 3 === 0) return undefined;
      if (i % 3 === 1) throw new Error('boom');
      return [];
    },
  });
  const hex = (nodes: LookupNode[]): string[] => nodes.map((n) => n.id.toString('hex')).sort();
  t.deepEqual(hex(found), hex([seeds[2], seeds[5]]));
});

test('an aborted lookup resolves at once with what answered so far', async (t) => {
  const controller = new AbortController();
  const seeds = Array.from({ length: 3 }, () => ({ id: randomBytes(32) }));
  const pending = iterativeLookup<LookupNode>({
    target: randomBytes(32),
    seeds,
    selfId: randomBytes(32),
    k: 16,
    alpha: 3,
    query: () => new Promise<undefined>(() => {}), // never answers
    signal: controller.signal,
  });
  controller.abort();
  t.deepEqual(await pending, []);
});

test('a failed query to one of the retryClosest closest candidates is asked once more; farther ones are not', async (t) => {
  const target = randomBytes(32);
  // The node looked for (distance 0) loses its first answer; the others never answer.
  const others = Array.from({ length: 8 }, () => ({ id: randomBytes(32) }));
  const seeds: LookupNode[] = [{ id: Buffer.from(target) }, ...others];
  const run = async (retryClosest: number | undefined): Promise<{ found: LookupNode[]; asked: Map<string, number> }> => {
    const asked = new Map<string, number>();
    const found = await iterativeLookup<LookupNode>({
      target,
      seeds,
      selfId: randomBytes(32),
      k: 16,
      alpha: 3,
      ...(retryClosest === undefined ? {} : { retryClosest }),
      query: async (node) => {
        const key = node.id.toString('hex');
        asked.set(key, (asked.get(key) ?? 0) + 1);
        if (node.id.equals(target)) return asked.get(key) === 1 ? undefined : [];
        return undefined;
      },
    });
    return { found, asked };
  };
  const without = await run(undefined);
  t.deepEqual(without.found, [], 'without retries the target is lost to one failed answer');
  t.true([...without.asked.values()].every((n) => n === 1));
  const withRetry = await run(3);
  t.is(withRetry.found.length, 1);
  t.true(withRetry.found[0].id.equals(target), 'asked again, the target answers');
  t.is(withRetry.asked.get(target.toString('hex')), 2);
  const byDistance = [...others].sort((a, b) => compareDistance(target, a.id, b.id));
  const askedTwice = byDistance.filter((n) => withRetry.asked.get(n.id.toString('hex')) === 2).length;
  const askedOnce = byDistance.filter((n) => withRetry.asked.get(n.id.toString('hex')) === 1).length;
  t.log(`retryClosest 3: the target asked twice; of 8 failing others ${askedTwice} asked twice, ${askedOnce} once`);
  // The target and the 2 closest others are the 3 closest candidates: only they are asked again.
  t.is(askedTwice, 2);
  t.is(askedOnce, others.length - 2);
  t.true(byDistance.slice(0, 2).every((n) => withRetry.asked.get(n.id.toString('hex')) === 2));
  t.true(byDistance.every((n) => (withRetry.asked.get(n.id.toString('hex')) ?? 0) <= 2), 'one retry at most');
});
