/**
 * A least-recently-used cache of loaded values (engine sessions) bounded by a byte budget. A load reserves
 * its estimate up front; once loaded, `sizeOf` (when given) replaces the estimate with the value's actual
 * size. Concurrent cold requests for one key share a single load; a failed load is forgotten so the next
 * request retries; an evicted value is released once no caller is using it.
 */
interface SessionCacheOptions<T> {
  budgetBytes: number;
  release?: (value: T) => void | Promise<void>;
  sizeOf?: (value: T) => number;
}

interface Slot<T> {
  promise: Promise<T>;
  bytes: number;
  users: number;
  evicted: boolean;
}

export class SessionCache<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private usedBytes = 0;

  constructor(private readonly options: SessionCacheOptions<T>) {}

  get size(): number {
    return this.slots.size;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  keys(): string[] {
    return [...this.slots.keys()];
  }

  /** Runs `use` with the value for `key`, loading it once with `load` when absent. */
  async with<R>(
    key: string,
    bytes: number,
    load: () => Promise<T>,
    use: (value: T) => Promise<R> | R,
  ): Promise<R> {
    const slot = this.slotFor(key, bytes, load);
    slot.users += 1;
    try {
      return await use(await slot.promise);
    } finally {
      slot.users -= 1;
      if (slot.evicted && slot.users === 0) this.release(slot);
    }
  }

  private slotFor(key: string, bytes: number, load: () => Promise<T>): Slot<T> {
    const existing = this.slots.get(key);
    if (existing) {
      this.slots.delete(key);
      this.slots.set(key, existing);
      return existing;
    }
    const slot: Slot<T> = { bytes, users: 0, evicted: false, promise: Promise.resolve(undefined as T) };
    slot.promise = load().then(
      (value) => {
        this.resize(key, slot, value);
        return value;
      },
      (error: unknown) => {
        if (this.slots.get(key) === slot) this.remove(key);
        throw error;
      },
    );
    this.slots.set(key, slot);
    this.usedBytes += bytes;
    this.evictBeyondBudget(key);
    return slot;
  }

  private resize(key: string, slot: Slot<T>, value: T): void {
    const sizeOf = this.options.sizeOf;
    if (!sizeOf) return;
    const actual = sizeOf(value);
    if (this.slots.get(key) === slot) {
      this.usedBytes += actual - slot.bytes;
      slot.bytes = actual;
      this.evictBeyondBudget(key);
    } else {
      slot.bytes = actual;
    }
  }

  private evictBeyondBudget(keep: string): void {
    for (const key of this.slots.keys()) {
      if (this.usedBytes <= this.options.budgetBytes) return;
      if (key !== keep) this.remove(key);
    }
  }

  private remove(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    this.usedBytes -= slot.bytes;
    slot.evicted = true;
    if (slot.users === 0) this.release(slot);
  }

  private release(slot: Slot<T>): void {
    const release = this.options.release;
    if (release) slot.promise.then(release, () => undefined);
  }
}
