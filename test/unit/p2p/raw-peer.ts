/**
 * A hand-driven TCP peer for tests: speaks the real wire codecs, so it can complete a handshake,
 * stay silent, or send whatever bytes a test needs (garbage, a bad version, orphan blocks).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type NodeKey, nodeKeyFromPrivateKey } from '../../../src/p2p/discovery/node-key.js';
import { FrameDecoder, type HandshakeMessage, type ObservedAddress, PROTOCOL_VERSION, type WireMessage, createHandshakeAck, decodeMessage, encodeMessageFrame } from '../../../src/p2p/wire/index.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { generatePrivateKey } from '../../../src/primitives/secp256k1.js';
import { observedOf } from '../../helpers/observed.js';
import { type TestNode, waitFor } from './net-helpers.js';

export class RawPeer {
  readonly received: WireMessage[] = [];
  readonly key: NodeKey = nodeKeyFromPrivateKey(generatePrivateKey());
  readonly nonce = randomBytes(8).readBigUInt64LE(0);
  closed = false;
  closedAtMs = 0;
  /** Answer pings (a live peer) or not (a silent one). */
  answerPings = true;
  /** The chain work its pongs claim (a peer that keeps promising more work than it delivers). */
  pongChainWork = 0n;
  /** The height its pongs claim (a peer that says it has blocks it then withholds). */
  pongBestHeight = 0;
  /** Sends a handshake-ack when the node's handshake arrives. */
  autoAck = true;
  /** Called for every message after it is recorded (a scripted peer's answers). */
  onMessage: ((msg: WireMessage) => void) | undefined;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const msg = decodeMessage(frame.type, frame.payload);
        this.received.push(msg);
        if (msg.kind === 'handshake' && this.autoAck) this.send(createHandshakeAck(this.key.privateKey, msg.nonce));
        if (msg.kind === 'ping' && this.answerPings) this.send({ kind: 'pong', nonce: msg.nonce, bestHeight: this.pongBestHeight, chainWork: this.pongChainWork });
        this.onMessage?.(msg);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.closedAtMs = Date.now();
    });
  }

  /** `localAddress`: another loopback address (127.0.0.2…) to appear as a different host. */
  static async connect(port: number, localAddress?: string): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  /** A scripted peer of `node` that has completed the handshake on `genesisHash` (closed at teardown). */
  static async ready(t: { teardown(fn: () => void): void }, node: TestNode, genesisHash: Buffer): Promise<RawPeer> {
    const raw = await RawPeer.connect(node.net.tcpPort);
    t.teardown(() => raw.destroy());
    raw.sendHandshake({ genesisHash });
    await waitFor(() => node.net.peers().some((p) => p.ready && p.address.includes(String(raw.socket.localPort))), 'the raw peer to be ready');
    return raw;
  }

  /**
   * A scripted peer claiming a chain of `bestHeight` with more work than ours (in its handshake
   * and its pongs), returned once the node started a sync with it (its get-blocks arrived).
   */
  static async claimingBetterChain(t: { teardown(fn: () => void): void }, node: TestNode, genesisHash: Buffer, bestHeight: number): Promise<RawPeer> {
    const raw = await RawPeer.connect(node.net.tcpPort);
    t.teardown(() => raw.destroy());
    const chainWork = 1n << 64n;
    raw.pongBestHeight = bestHeight;
    raw.pongChainWork = chainWork;
    raw.sendHandshake({ genesisHash, bestHeight, chainWork });
    await raw.waitFor('get-blocks');
    return raw;
  }

  send(msg: WireMessage): void {
    this.socket.write(encodeMessageFrame(msg));
  }

  /**
   * `nodeId`: claim another node's id (an impostor cannot ack it); `nonce`: have it signed by
   * whoever acks this handshake; `observed`: by default the socket's real remote address (a
   * version below 2 encodes without it, as a version-1 node's 114 bytes).
   */
  sendHandshake(options: { genesisHash?: Buffer; version?: number; bestHeight?: number; chainWork?: bigint; nodeId?: Buffer; nonce?: bigint; observed?: ObservedAddress } = {}): void {
    this.send(this.handshake(options));
  }

  /** The handshake sendHandshake would send (see there for the options). */
  handshake(options: { genesisHash?: Buffer; version?: number; bestHeight?: number; chainWork?: bigint; nodeId?: Buffer; nonce?: bigint; observed?: ObservedAddress } = {}): HandshakeMessage {
    return {
      kind: 'handshake',
      version: options.version ?? PROTOCOL_VERSION,
      genesisHash: options.genesisHash ?? ZERO_HASH,
      bestHeight: options.bestHeight ?? 0,
      chainWork: options.chainWork ?? 0n,
      nodeId: options.nodeId ?? this.key.nodeId,
      listenPort: 0,
      nonce: options.nonce ?? this.nonce,
      observed: options.observed ?? observedOf(this.socket),
    };
  }

  has(kind: WireMessage['kind']): boolean {
    return this.received.some((m) => m.kind === kind);
  }

  async waitFor(kind: WireMessage['kind'], timeoutMs = 5_000): Promise<WireMessage> {
    await waitFor(() => this.has(kind), `a ${kind} message`, timeoutMs);
    const msg = this.received.find((m) => m.kind === kind);
    if (!msg) throw new Error(`no ${kind}`);
    return msg;
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await waitFor(() => this.closed, 'the node to close the connection', timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
