/**
 * A real Peer on one end of a loopback TCP connection; the test holds the raw other end. The
 * Peer sits on the side its direction says (inbound = it accepted the connection). Not started:
 * the test attaches its listeners first.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import type { ExecutionContext } from 'ava';
import { nodeKeyFromPrivateKey } from '../../src/p2p/discovery/node-key.js';
import { Peer, type PeerDirection, type PeerOptions } from '../../src/p2p/peer.js';
import { ZERO_HASH } from '../../src/primitives/hash.js';
import { generatePrivateKey } from '../../src/primitives/secp256k1.js';
import { silentLogger } from '../../src/util/logger.js';

export interface LoopbackPeer {
  readonly peer: Peer;
  /** The raw other end of the connection. */
  readonly remote: Socket;
}

export async function loopbackPeer(t: ExecutionContext, options: { direction?: PeerDirection } & Partial<Omit<PeerOptions, 'socket' | 'direction'>> = {}): Promise<LoopbackPeer> {
  const { direction = 'inbound', ...overrides } = options;
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection');
  const client = connect({ host: '127.0.0.1', port });
  client.on('error', () => undefined);
  const [serverSide] = (await accepted) as [Socket];
  serverSide.on('error', () => undefined);
  const [ours, remote] = direction === 'inbound' ? [serverSide, client] : [client, serverSide];
  const peer = new Peer({
    socket: ours,
    direction,
    nodeKey: nodeKeyFromPrivateKey(generatePrivateKey()),
    listenPort: 0,
    pingIntervalMs: 60_000,
    peerTimeoutMs: 120_000,
    handshakeTimeoutMs: 60_000,
    status: () => ({ genesisHash: ZERO_HASH, bestHeight: 0, chainWork: 0n }),
    admit: () => undefined,
    admitProven: () => undefined,
    logger: silentLogger(),
    ...overrides,
  });
  t.teardown(() => {
    peer.close('test over', true);
    client.destroy();
    serverSide.destroy();
    server.close();
  });
  return { peer, remote };
}
