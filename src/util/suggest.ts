/**
 * "Did you mean …?" for anything a person types by hand: CLI commands and options, config keys.
 * One helper so every suggestion follows the same rule: the nearest candidate, compared without
 * regard to case, within a distance that grows with the length of what was typed.
 */

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment): "mnie" is one slip from "mine", as a person would judge it.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Edits allowed per typed character: a third, so "ab" suggests nothing but "rpcprot" finds "rpc-port". */
const EDITS_PER_CHARACTER = 1 / 3;
/** Never suggest something more than this many edits away: it would be a guess, not a slip. */
const MAX_SUGGEST_EDITS = 3;

/**
 * The candidate nearest to `input` (case-insensitive), or undefined when none is close enough.
 * Ties go to the earlier candidate, so the answer does not depend on anything but the list.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const typed = input.toLowerCase();
  const limit = Math.min(MAX_SUGGEST_EDITS, Math.max(1, Math.floor(typed.length * EDITS_PER_CHARACTER)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
