import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// V8's flags are the process's: left on, every test worker started after this one gets a global
// `gc` (session-leaks.test.ts says why that broke a test). Only this context keeps it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--no-expose-gc');

/** Heap bytes in use after two forced full collections. */
export function usedHeapBytes(): number {
  gc();
  gc();
  return getHeapStatistics().used_heap_size;
}

/** Heap bytes that `fill` leaves retained by what it returns, per item (`items` of them). */
export function retainedBytesPerItem(items: number, fill: () => unknown): number {
  const before = usedHeapBytes();
  const kept = fill();
  const after = usedHeapBytes();
  // Read after the measure, so `kept` (the tables under test) is live at it.
  if (kept === undefined) throw new Error('fill must return what it filled');
  return (after - before) / items;
}
