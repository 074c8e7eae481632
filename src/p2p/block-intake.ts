/**
 * Every block a peer sends goes through here, one at a time: into the chain, into the orphan
 * pool when its parent is unknown (then its waiting children follow it in), or — when it is
 * consensus-invalid — to a ban of the sender.
 */
import type { Chain } from '../chain/chain.js';
import { ValidationCode, ValidationError } from '../chain/errors.js';
import type { Block } from '../primitives/block.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { OrphanPool } from './orphans.js';
import type { Peer } from './peer.js';
import { MessageType } from './wire/index.js';

export type IntakeStatus = 'connected' | 'reorganized' | 'side-branch' | 'duplicate' | 'orphan' | 'invalid' | 'refused' | 'error';

/**
 * Consensus codes we do not ban for: a future timestamp may be our clock's fault, and another
 * genesis means a peer of another network that slipped through while our chain was empty.
 */
const UNPUNISHED_CODES: ReadonlySet<string> = new Set([ValidationCode.TimeTooNew, ValidationCode.BadGenesis]);

export interface BlockIntakeOptions {
  chain: Chain;
  orphans: OrphanPool<Peer>;
  logger: Logger;
  /** A block from `peer` builds on something we lack: ask that peer for the missing blocks. */
  onUnknownParent: (peer: Peer, block: Block) => void;
  /** A block joined the active chain (progress logging). */
  onConnected: (block: Block) => void;
}

export class BlockIntake {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BlockIntakeOptions) {}

  /** Queues the block behind earlier ones; resolves with what became of it. */
  submit(peer: Peer, block: Block): Promise<IntakeStatus> {
    const run = this.tail.then(() => this.process(peer, block));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async process(peer: Peer, block: Block): Promise<IntakeStatus> {
    const status = await this.processOne(peer, block);
    if (status === 'connected' || status === 'reorganized' || status === 'side-branch') await this.adoptOrphans(block.hash);
    return status;
  }

  /** Children that were waiting for `parentHash` (and theirs, depth first). */
  private async adoptOrphans(parentHash: Buffer): Promise<void> {
    const stack = [parentHash];
    for (let hash = stack.pop(); hash; hash = stack.pop()) {
      for (const orphan of this.options.orphans.takeChildren(hash)) {
        const status = await this.processOne(orphan.from, orphan.block);
        if (status === 'connected' || status === 'reorganized' || status === 'side-branch') stack.push(orphan.block.hash);
      }
    }
  }

  private async processOne(peer: Peer, block: Block): Promise<IntakeStatus> {
    const { chain, logger } = this.options;
    peer.known.add(block.hash);
    try {
      const result = await chain.processBlock(block);
      if (result.status === 'connected' || result.status === 'reorganized') {
        if (block.height > peer.bestHeight) peer.bestHeight = block.height;
        for (const b of result.connected) this.options.onConnected(b);
      }
      return result.status;
    } catch (err) {
      if (!(err instanceof ValidationError)) {
        logger.error({ hash: block.hashHex, err: errorMessage(err) }, 'could not process a block from a peer');
        return 'error';
      }
      if (err.code === ValidationCode.UnknownParent) {
        this.options.orphans.add(block, peer);
        logger.debug({ hash: block.hashHex, height: block.height, peer: peer.label }, 'orphan block held until its parent arrives');
        this.options.onUnknownParent(peer, block);
        return 'orphan';
      }
      peer.send({ kind: 'reject', messageType: MessageType.Block, code: err.code, reason: err.message.slice(0, 256), hash: block.hash });
      if (err.consensus && !UNPUNISHED_CODES.has(err.code)) {
        peer.punish(err.code, `sent invalid block ${block.hashHex}: ${err.message}`);
        return 'invalid';
      }
      logger.info({ hash: block.hashHex, code: err.code, peer: peer.label }, 'block refused');
      return 'refused';
    }
  }
}
