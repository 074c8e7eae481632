/**
 * Map insertion order as recency: `setNewest` (re)inserts a key as the newest and forgets the
 * oldest beyond `maxEntries` — the bounded "most recent N" tables (log throttles, view caches)
 * share this one eviction rule.
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > maxEntries) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}
