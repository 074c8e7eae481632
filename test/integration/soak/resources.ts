/** Memory and file-descriptor figures of one node from its samples. */
import type { ProcSample } from './soak-node.js';
import { slopePerMin } from './stats.js';

export interface ResourceFigures {
  rssStartMb: number;
  rssEndMb: number;
  anonStartMb: number;
  anonEndMb: number;
  liveStartMb: number;
  liveEndMb: number;
  nativeStartMb: number;
  nativeEndMb: number;
  /** Least-squares slopes after the warm-up, MB per minute. */
  rssSlope: number;
  anonSlope: number;
  liveSlope: number;
  nativeSlope: number;
  fdStart: number;
  fdEnd: number;
  /** fds at the very first sample (the load's start, every peer connected), and the most of any sample. */
  fdFirst: number;
  fdMax: number;
  /** Samples fitted, and the minutes they span. */
  samples: number;
  windowMin: number;
}

const MS_PER_MIN = 60_000;

/** Slopes over the samples taken from `warmUpEndMs` on; start figures are the first of those samples. */
export function resourceFigures(samples: readonly ProcSample[], warmUpEndMs: number): ResourceFigures {
  const measured = samples.filter((s) => s.atMs >= warmUpEndMs);
  if (measured.length < 2) throw new Error(`only ${measured.length} samples after the warm-up`);
  const first = measured[0]!;
  const last = measured[measured.length - 1]!;
  const slope = (pick: (s: ProcSample) => number): number => slopePerMin(measured.map((s) => ({ atMs: s.atMs, value: pick(s) })));
  return {
    rssStartMb: first.rssMb,
    rssEndMb: last.rssMb,
    anonStartMb: first.anonMb,
    anonEndMb: last.anonMb,
    liveStartMb: first.liveMb,
    liveEndMb: last.liveMb,
    nativeStartMb: first.nativeMb,
    nativeEndMb: last.nativeMb,
    rssSlope: slope((s) => s.rssMb),
    anonSlope: slope((s) => s.anonMb),
    liveSlope: slope((s) => s.liveMb),
    nativeSlope: slope((s) => s.nativeMb),
    fdStart: first.fds,
    fdEnd: last.fds,
    fdFirst: samples[0]!.fds,
    fdMax: Math.max(...samples.map((s) => s.fds)),
    samples: measured.length,
    windowMin: (last.atMs - first.atMs) / MS_PER_MIN,
  };
}
