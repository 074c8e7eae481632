/** A raw peer that serves a chain as a node would: headers after the first locator hash it knows, bodies on get-data. */
import type { WireMessage } from '../../../src/p2p/wire/index.js';
import type { Block } from '../../../src/primitives/block.js';
import type { RawPeer } from './raw-peer.js';

export function serveChain(raw: RawPeer, chain: readonly Block[]): void {
  raw.onMessage = (msg: WireMessage) => {
    if (msg.kind === 'get-blocks') {
      const from = chain.findIndex((b) => msg.locator.some((h) => h.equals(b.hash)));
      raw.send({ kind: 'headers', headers: chain.slice(from + 1).map((b) => b.header) });
    } else if (msg.kind === 'get-data') {
      for (const item of msg.items) {
        const block = chain.find((b) => b.hash.equals(item.hash));
        if (block) raw.send({ kind: 'block', block });
      }
    }
  };
}
