/** `map.get(key)`, computing and storing it on a miss (undefined results are cached too). */
export function memo<K, V>(map: { get(k: K): V | null | undefined; set(k: K, v: V | null): unknown }, key: K, compute: () => V | undefined): V | undefined {
  let value = map.get(key);
  if (value === undefined) {
    value = compute() ?? null;
    map.set(key, value);
  }
  return value ?? undefined;
}
