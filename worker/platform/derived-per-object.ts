/**
 * A value derived from a read-only object (a cached manifest or model record), computed on first use and
 * kept as long as the object lives: the cache is a WeakMap, so it lets go with the object.
 */
export function derivedPerObject<Source extends object, Derived>(
  derive: (source: Source) => Derived,
): (source: Source) => Derived {
  const derived = new WeakMap<Source, Derived>();
  return (source) => {
    if (derived.has(source)) return derived.get(source) as Derived;
    const value = derive(source);
    derived.set(source, value);
    return value;
  };
}
