import { SubmitWindow } from '../chain/submit-window.js';
import type { Block, BlockHeader } from '../primitives/block.js';
import { type BlockIntake, type IntakeStatus, isIntakeFailure } from './block-intake.js';
import type { Peer } from './peer.js';
import type { PeerSet } from './peers.js';
import type { BlockDownload } from './sync-download.js';
import type { HeaderTrail } from './sync-header-trail.js';

export interface SyncSubmissionOptions {
  readonly intake: BlockIntake;
  readonly download: BlockDownload<Peer>;
  readonly peers: PeerSet;
  readonly trail: HeaderTrail;
  /** The session's header source: only a block it sent counts against it. */
  readonly source: Peer;
  /** The peer has the block of this header (the session's rule). */
  readonly serves: (peer: Peer, header: BlockHeader) => boolean;
  /** The session ended: nothing more is submitted, and outcomes still to come are dropped. */
  readonly isFinished: () => boolean;
  /** A submitted block settled without failing. */
  readonly onSettled: () => void;
  /** The chain refused a block of the sync: the session ends so. */
  readonly onFailed: (reason: string, unhelpful: boolean) => void;
}

/**
 * A sync session's hand-off to the chain (sync-session.ts): downloaded blocks go to the block
 * intake in header order, a SubmitWindow's worth (a few commit groups) ahead of the chain's
 * commits, so the chain verifies their signatures on its workers while it commits the blocks
 * before them. Apart from the session because it is the chain's side of a sync: what is in the
 * chain's hands, whether a block follows the one before it, whose fault a refused block is.
 */
export class SyncSubmission {
  /** Blocks handed to the intake whose outcome is not back yet. */
  private readonly submitted = new SubmitWindow();
  private lastSubmittedHash: Buffer | undefined;

  constructor(private readonly options: SyncSubmissionOptions) {}

  /** Blocks submitted whose outcome is not back yet. */
  get blocks(): number {
    return this.submitted.blocks;
  }

  /**
   * Hands downloaded blocks to the intake in header order without awaiting each (a block that
   * arrives early waits here for its predecessors), keeping the submit window full.
   */
  connectReady(): void {
    const { intake, download } = this.options;
    // The ready peers, listed once per pass rather than once per block (PeerSet.ready() copies its set).
    let ready: Peer[] | undefined;
    while (!this.options.isFinished() && this.submitted.hasRoom) {
      const next = download.takeNext();
      if (next === undefined) break;
      if (next === 'have') continue; // arrived another way (relay) meanwhile
      const { block, from } = next;
      this.markKnownToSources(block, (ready ??= this.options.peers.ready()));
      const afterParent = this.lastSubmittedHash?.equals(block.header.prevHash) === true;
      this.lastSubmittedHash = block.hash;
      this.submitted.add(block);
      const skipSignatures = this.options.trail.skipsSignatures(block.height);
      void intake.submit(from, block, { pipelined: true, afterParent, skipSignatures }).then((status) => this.onSubmitted(block, status, from));
    }
  }

  /**
   * Peers whose reported height covers this block have it (or a rival at that height, which their
   * own sync settles): no inv of it to them once it connects. Core does not announce blocks during
   * initial download at all; without this, every synced block costs an inv to every other source.
   */
  private markKnownToSources(block: Block, ready: readonly Peer[]): void {
    for (const peer of ready) {
      if (this.options.serves(peer, block.header)) peer.known.add(block.hash);
    }
  }

  private onSubmitted(block: Block, status: IntakeStatus, from: Peer): void {
    if (this.options.isFinished()) return;
    this.submitted.remove(block);
    if (isIntakeFailure(status)) {
      // Only the source's own block counts against it: a body another peer sent (any peer may
      // send a block in flight, and a mutated one keeps its header's hash) is that peer's fault —
      // the intake punished it — or it made the source fruitless, and after 10 the source discouraged.
      const unhelpful = from === this.options.source;
      this.options.onFailed(`block ${block.hashHex} of the sync batch was ${status}${unhelpful ? '' : ` (sent by ${from.label}, not the sync peer)`}`, unhelpful);
      return;
    }
    this.options.onSettled();
  }
}
