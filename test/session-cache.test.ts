import { describe, expect, it } from "vitest";
import { SessionCache } from "../worker/inference/session-cache.ts";

interface FakeSession {
  key: string;
  released: boolean;
}

function cacheWithLog(budgetBytes: number) {
  const released: string[] = [];
  const cache = new SessionCache<FakeSession>({
    budgetBytes,
    release: (session) => {
      session.released = true;
      released.push(session.key);
    },
  });
  return { cache, released };
}

const loader = (key: string, counter: { loads: number }) => async () => {
  counter.loads += 1;
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { key, released: false };
};

describe("SessionCache", () => {
  it("shares one load between concurrent cold requests", async () => {
    const { cache } = cacheWithLog(100);
    const counter = { loads: 0 };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.with("a", 10, loader("a", counter), async (session) => session)),
    );
    expect(counter.loads).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it("evicts the least recently used entry beyond the byte budget and releases it", async () => {
    const { cache, released } = cacheWithLog(25);
    const counter = { loads: 0 };
    await cache.with("a", 10, loader("a", counter), async () => undefined);
    await cache.with("b", 10, loader("b", counter), async () => undefined);
    await cache.with("a", 10, loader("a", counter), async () => undefined); // a becomes most recent
    await cache.with("c", 10, loader("c", counter), async () => undefined);
    await Promise.resolve();
    expect(cache.keys()).toEqual(["a", "c"]);
    expect(released).toEqual(["b"]);
    expect(cache.bytes).toBe(20);
    expect(counter.loads).toBe(3);
  });

  it("does not release a session while a caller is still using it", async () => {
    const { cache, released } = cacheWithLog(10);
    const counter = { loads: 0 };
    let finishUse: () => void = () => undefined;
    const inUse = cache.with("a", 10, loader("a", counter), (session) => {
      return new Promise<FakeSession>((resolve) => {
        finishUse = () => resolve(session);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await cache.with("b", 10, loader("b", counter), async () => undefined); // evicts a while in use
    expect(cache.keys()).toEqual(["b"]);
    expect(released).toEqual([]);
    finishUse();
    const session = await inUse;
    await Promise.resolve();
    expect(released).toEqual(["a"]);
    expect(session.released).toBe(true);
  });

  it("forgets a failed load so the next request retries", async () => {
    const { cache } = cacheWithLog(100);
    let attempts = 0;
    const flaky = async () => {
      attempts += 1;
      if (attempts === 1) throw new Error("artifact missing");
      return { key: "a", released: false };
    };
    await expect(cache.with("a", 10, flaky, async (s) => s)).rejects.toThrow("artifact missing");
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    await expect(cache.with("a", 10, flaky, async (s) => s.key)).resolves.toBe("a");
    expect(attempts).toBe(2);
  });

  it("re-budgets a loaded value at its actual size and evicts what no longer fits", async () => {
    const released: string[] = [];
    const sizes: Record<string, number> = { a: 10, b: 40, c: 5 };
    const cache = new SessionCache<FakeSession>({
      budgetBytes: 50,
      release: (session) => {
        released.push(session.key);
      },
      sizeOf: (session) => sizes[session.key] ?? 0,
    });
    const counter = { loads: 0 };
    // Estimates of 1 byte each; the actual sizes replace them once loaded.
    await cache.with("a", 1, loader("a", counter), async () => undefined);
    expect(cache.bytes).toBe(10);
    await cache.with("b", 1, loader("b", counter), async () => undefined);
    expect(cache.bytes).toBe(50);
    await cache.with("c", 1, loader("c", counter), async () => undefined);
    await Promise.resolve();
    expect(cache.keys()).toEqual(["b", "c"]);
    expect(released).toEqual(["a"]);
    expect(cache.bytes).toBe(45);
  });
});
