/**
 * How the punch lab's test files hold their labs: one lab per test (withLab), or one lab several
 * serial tests share (SharedLab: created by the first that needs it, destroyed after the file).
 * Either way a failing test keeps the lab's files and prints its diagnostics (punch-lab.ts).
 */
import type { ExecutionContext } from 'ava';
import { PunchLab, type PublicPeers, startPublicPeers } from './punch-lab.js';
import type { TopologyOptions } from './punch-topology.js';

/** Prints the lab's diagnostics when the test has failed so far (a failed assertion does not throw). */
export async function diagnoseIfFailed(t: ExecutionContext, lab: PunchLab): Promise<void> {
  if (t.passed) return;
  lab.keepFiles();
  t.log(`diagnostics:\n${await lab.diagnostics()}`);
}

/** Runs `body` on the lab; a throw prints the diagnostics first. */
export async function guarded(t: ExecutionContext, lab: PunchLab, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    lab.keepFiles();
    t.log(`diagnostics:\n${await lab.diagnostics()}`);
    throw err;
  }
  await diagnoseIfFailed(t, lab);
}

/** A lab of this test only, destroyed at its end (files kept when it failed). */
export async function withLab(t: ExecutionContext, options: TopologyOptions, body: (lab: PunchLab) => Promise<void>): Promise<void> {
  const lab = await PunchLab.create(options);
  try {
    await guarded(t, lab, () => body(lab));
  } finally {
    await lab.destroy();
  }
}

/** A lab with its public peers (P, and Q when `withQ`), shared by serial tests of one file. */
export class SharedLab {
  private ready: Promise<{ lab: PunchLab; pub: PublicPeers }> | undefined;

  constructor(
    private readonly options: TopologyOptions,
    private readonly withQ: boolean,
  ) {}

  get(): Promise<{ lab: PunchLab; pub: PublicPeers }> {
    this.ready ??= (async () => {
      const lab = await PunchLab.create(this.options);
      try {
        return { lab, pub: await startPublicPeers(lab, this.withQ) };
      } catch (err) {
        await lab.destroy();
        throw err;
      }
    })();
    return this.ready;
  }

  /** For test.after.always: a no-op when no test used it. */
  async destroy(): Promise<void> {
    const ready = this.ready;
    this.ready = undefined;
    if (ready) await (await ready.catch(() => undefined))?.lab.destroy();
  }
}
