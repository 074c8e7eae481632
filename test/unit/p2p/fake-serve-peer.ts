/** A Peer as the serving side of the relay sees it (RelayServer, CompactSender): what it was sent and what it was punished for. */
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { OutgoingMessage } from '../../../src/p2p/wire/index.js';

export interface FakeServePeer {
  readonly peer: Peer;
  readonly known: HashFilter;
  readonly sent: OutgoingMessage[];
  readonly punished: string[];
}

export function fakeServePeer(label: string): FakeServePeer {
  const sent: OutgoingMessage[] = [];
  const punished: string[] = [];
  const known = new HashFilter(100);
  const peer = {
    label,
    isClosed: false,
    isReady: true,
    known,
    cork: () => undefined,
    uncork: () => undefined,
    sendBufferBytes: 0,
    drained: async () => undefined,
    send: (msg: OutgoingMessage): boolean => {
      sent.push(msg);
      return true;
    },
    sendPaced: async (msg: OutgoingMessage): Promise<void> => void sent.push(msg),
    disconnect: () => undefined,
    punish: (code: string): string => {
      punished.push(code);
      return 'none';
    },
  } as unknown as Peer;
  return { peer, known, sent, punished };
}
