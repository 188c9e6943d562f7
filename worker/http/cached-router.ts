import type { Result, Router } from "hono/router";
import { TrieRouter } from "hono/router/trie-router";

/** Paths longer than this are matched but not remembered (a client can send any path). */
const MAX_CACHED_PATH_LENGTH = 256;

/**
 * Hono's TrieRouter (the router SmartRouter settles on for this app: its RegExpRouter refuses the feedback
 * routes) with the match result of each recent method + path remembered. A warm request then skips the
 * trie walk over ~90 routes and the sorting of handler sets, which dominated the router's share of a
 * prediction's CPU. Results are read-only to Hono (the request keeps its own route index), so reusing one
 * is safe; the cache is bounded (emptied when full) and cleared whenever a route is added.
 */
export class CachedRouter<T> implements Router<T> {
  readonly name = "CachedRouter(TrieRouter)";
  readonly #trie = new TrieRouter<T>();
  /** By method, then path: no per-request key string to build and hash. */
  readonly #cache = new Map<string, Map<string, Result<T>>>();
  #size = 0;

  constructor(readonly capacity = 512) {}

  add(method: string, path: string, handler: T): void {
    this.#cache.clear();
    this.#size = 0;
    this.#trie.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    if (path.length > MAX_CACHED_PATH_LENGTH) return this.#trie.match(method, path);
    let byPath = this.#cache.get(method);
    const cached = byPath?.get(path);
    if (cached) return cached;
    const result = this.#trie.match(method, path);
    if (this.#size >= this.capacity) {
      this.#cache.clear();
      this.#size = 0;
      byPath = undefined;
    }
    if (!byPath) {
      byPath = new Map();
      this.#cache.set(method, byPath);
    }
    byPath.set(path, result);
    this.#size += 1;
    return result;
  }
}
