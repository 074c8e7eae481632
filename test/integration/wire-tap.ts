/**
 * A TCP relay between two real nodes that reads every frame it forwards: message counts and
 * bytes by kind and direction (what crossed the wire, counted on the wire), and an optional
 * filter that drops frames (a peer that "lost" some transactions). Loopback only.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { FrameDecoder, FRAME_HEADER_BYTES, encodeFrame, messageKindName, type Frame } from '../../src/p2p/wire/index.js';

export type TapDirection = 'dialler→listener' | 'listener→dialler';

export interface TapTally {
  count: number;
  /** Frame bytes (header + payload). */
  bytes: number;
}

export class WireTap {
  /** direction → kind → tally */
  readonly seen: Record<TapDirection, Record<string, TapTally>> = { 'dialler→listener': {}, 'listener→dialler': {} };
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly drop: (direction: TapDirection, kind: string, frame: Frame) => boolean,
  ) {}

  /** Listens on 127.0.0.1 and forwards every connection to `targetPort`. */
  static async start(t: { teardown(fn: () => unknown): void }, targetPort: number, drop: (direction: TapDirection, kind: string, frame: Frame) => boolean = () => false): Promise<WireTap> {
    let tap: WireTap | undefined;
    const server = createServer((inbound) => tap!.bridge(inbound, targetPort));
    tap = new WireTap(server, drop);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => tap!.close());
    return tap;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  tally(direction: TapDirection, kind: string): TapTally {
    return this.seen[direction][kind] ?? { count: 0, bytes: 0 };
  }

  /** A copy of the tallies so far (compare with `since`). */
  snapshot(): Record<TapDirection, Record<string, TapTally>> {
    return structuredClone(this.seen);
  }

  /** What crossed in `direction` as `kind` after `snapshot` was taken. */
  since(snapshot: Record<TapDirection, Record<string, TapTally>>, direction: TapDirection, kind: string): TapTally {
    const now = this.tally(direction, kind);
    const then = snapshot[direction][kind] ?? { count: 0, bytes: 0 };
    return { count: now.count - then.count, bytes: now.bytes - then.bytes };
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }

  private bridge(inbound: Socket, targetPort: number): void {
    const outbound = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    this.forward(inbound, outbound, 'dialler→listener');
    this.forward(outbound, inbound, 'listener→dialler');
  }

  private forward(from: Socket, to: Socket, direction: TapDirection): void {
    const decoder = new FrameDecoder();
    from.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const kind = messageKindName(frame.type);
        if (this.drop(direction, kind, frame)) continue;
        const tally = (this.seen[direction][kind] ??= { count: 0, bytes: 0 });
        tally.count++;
        tally.bytes += FRAME_HEADER_BYTES + frame.payload.length;
        to.write(encodeFrame(frame.type, frame.payload));
      }
    });
  }
}
