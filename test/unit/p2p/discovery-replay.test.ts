/**
 * A signed discovery packet is not bound to the address it came from: anyone who pings a node gets
 * its signed ping-back and can send those bytes on from its own address. That must not cost the
 * signer anything where it is proven: neither its endpoint proof nor its table entry.
 */
import test from 'ava';
import { decodePacket, encodePacket, packetExpiration } from '../../../src/p2p/discovery/packet.js';
import type { Discovery } from '../../../src/p2p/discovery/service.js';
import { FAST_TIMING, hasNode, randomNodeKey, sleep, socketOn, startNode, waitFor } from './discovery-harness.js';

const on = (host: string): Partial<Parameters<typeof startNode>[0]> => ({ bindHost: host, advertisedIp: host });

test("a ping-back of node H replayed from another host's ports does not evict H from the table", async (t) => {
  const h: Discovery = await startNode(on('127.0.0.2'));
  const v: Discovery = await startNode({ ...on('127.0.0.3'), bootstrap: [{ host: '127.0.0.2', port: h.udpPort }] });
  t.teardown(() => Promise.all([h.stop(), v.stop()]).then(() => undefined));
  t.true(await waitFor(() => hasNode(v, h.nodeId), 3_000), 'V bonds with H, its bootstrap node');
  await sleep(FAST_TIMING.pingTimeoutMs * 2); // the bond's own ping-backs are done

  // The attacker pings H with a fresh key and keeps H's ping-back: a ping signed by H.
  const attacker = await socketOn('127.0.0.9');
  t.teardown(() => attacker.socket.close());
  const key = randomNodeKey();
  const ping = encodePacket(
    { type: 'ping', version: 1, from: { ip: '127.0.0.9', udpPort: attacker.port, tcpPort: 30_303 }, to: { ip: '127.0.0.2', udpPort: h.udpPort, tcpPort: 0 }, expiration: packetExpiration(Date.now() / 1000, 20) },
    key.privateKey,
  );
  attacker.socket.send(ping.bytes, h.udpPort, '127.0.0.2');
  let signedByH: Buffer | undefined;
  t.true(await waitFor(() => (signedByH = attacker.received.find((m) => decodePacket(m, Date.now() / 1000).packet.type === 'ping')) !== undefined, 2_000), "H's ping-back");

  // H is V's bootstrap node, so V would soon bond with it again: count removals instead of looking once.
  let removals = 0;
  v.on('node:removed', (node: { nodeId: Buffer }) => void (node.nodeId.equals(h.nodeId) && removals++));
  // Sent on to V from three ports of the attacker's host: V pings each back, expecting H, and nobody answers.
  const replayers = await Promise.all([0, 1, 2].map(() => socketOn('127.0.0.9')));
  t.teardown(() => replayers.forEach((r) => r.socket.close()));
  for (const r of replayers) r.socket.send(signedByH!, v.udpPort, '127.0.0.3');
  await sleep(FAST_TIMING.pingTimeoutMs * 4);
  t.is(removals, 0, 'H was never removed: the silence at the attacker is no failure of H');
  t.true(hasNode(v, h.nodeId));
});

test("a stranger relaying our ping-back to H and H's pong back to us does not move H's entry to the stranger's address", async (t) => {
  const h: Discovery = await startNode(on('127.0.0.2'));
  const v: Discovery = await startNode({ ...on('127.0.0.3'), bootstrap: [{ host: '127.0.0.2', port: h.udpPort }] });
  t.teardown(() => Promise.all([h.stop(), v.stop()]).then(() => undefined));
  t.true(await waitFor(() => hasNode(v, h.nodeId), 3_000));
  await sleep(FAST_TIMING.pingTimeoutMs * 2);
  const now = (): number => Date.now() / 1000;
  const typeOf = (m: Buffer): string => decodePacket(m, now()).packet.type;

  // A ping signed by H (its ping-back to a fresh key), sent on to V from the relay socket.
  const probe = await socketOn('127.0.0.9');
  const relay = await socketOn('127.0.0.9');
  t.teardown(() => [probe, relay].forEach((s) => s.socket.close()));
  probe.socket.send(encodePacket({ type: 'ping', version: 1, from: { ip: '127.0.0.9', udpPort: probe.port, tcpPort: 30_303 }, to: { ip: '127.0.0.2', udpPort: h.udpPort, tcpPort: 0 }, expiration: packetExpiration(now(), 20) }, randomNodeKey().privateKey).bytes, h.udpPort, '127.0.0.2');
  let signedByH: Buffer | undefined;
  t.true(await waitFor(() => (signedByH = probe.received.find((m) => typeOf(m) === 'ping')) !== undefined, 2_000));
  relay.socket.send(signedByH!, v.udpPort, '127.0.0.3');
  // V pings the relay back expecting H: the relay hands that ping to H, and H's pong to it back to V.
  let vPing: Buffer | undefined;
  t.true(await waitFor(() => (vPing = relay.received.find((m) => typeOf(m) === 'ping')) !== undefined, 2_000), "V's ping-back to the relay");
  relay.socket.send(vPing!, h.udpPort, '127.0.0.2');
  let hPong: Buffer | undefined;
  t.true(await waitFor(() => (hPong = relay.received.find((m) => typeOf(m) === 'pong' && decodePacket(m, now()).nodeId.equals(h.nodeId))) !== undefined, 2_000), "H's pong, signed by H");
  // H may soon re-prove its own address to V: watch for the move itself, not only the end state.
  const moves: string[] = [];
  v.on('node:verified', (node: { nodeId: Buffer; endpoint: { ip: string } }) => void (node.nodeId.equals(h.nodeId) && moves.push(node.endpoint.ip)));
  relay.socket.send(hPong!, v.udpPort, '127.0.0.3');
  await sleep(200);
  t.deepEqual(moves, [], "H's entry was never moved to the relay's address");
  const entry = v.knownNodes(Number.MAX_SAFE_INTEGER).find((n) => n.nodeId.equals(h.nodeId));
  t.is(entry?.endpoint.ip, '127.0.0.2', "H's entry stays where H answers");
  t.is(entry?.endpoint.udpPort, h.udpPort);
});
