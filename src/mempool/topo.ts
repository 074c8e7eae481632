/** Binary min-heap over `compare`; small and allocation-light, for ordering pool transactions. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.compare(items[l]!, items[m]!) < 0) m = l;
        if (r < items.length && this.compare(items[r]!, items[m]!) < 0) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

export interface TopoNode<T> {
  readonly parents: ReadonlySet<T>;
  readonly children: ReadonlySet<T>;
}

/**
 * Kahn's algorithm: yields every node after all its parents, choosing among the ready ones by
 * `compare`. `accept` may refuse a node (e.g. it does not fit in the block); its descendants are
 * then never ready and are skipped too.
 */
export function topoOrder<T extends TopoNode<T>>(nodes: Iterable<T>, compare: (a: T, b: T) => number, accept: (node: T) => boolean = () => true): T[] {
  const pending = new Map<T, number>();
  const ready = new MinHeap<T>(compare);
  for (const node of nodes) {
    pending.set(node, node.parents.size);
    if (node.parents.size === 0) ready.push(node);
  }
  const out: T[] = [];
  for (let node = ready.pop(); node !== undefined; node = ready.pop()) {
    if (!accept(node)) continue;
    out.push(node);
    for (const child of node.children) {
      const left = (pending.get(child) ?? 0) - 1;
      pending.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  return out;
}
