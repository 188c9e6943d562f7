/**
 * The real D1 binding, with every statement's `meta.rows_read` added up: what a call really read, as D1
 * reports (and bills) it. `first()` and `raw()` carry no meta, so they run as `all()` and are shaped back
 * (same SQL, same rows read; `raw()` keeps the column order of the row objects).
 */
export interface CountingD1 {
  db: D1Database;
  rowsRead(): number;
  statements(): number;
  reset(): void;
}

export function countingD1(inner: D1Database): CountingD1 {
  let rowsRead = 0;
  let statements = 0;
  const count = (meta: { rows_read?: number } | undefined) => {
    statements += 1;
    rowsRead += meta?.rows_read ?? 0;
  };
  const inners = new WeakMap<object, D1PreparedStatement>();

  function wrap(statement: D1PreparedStatement): D1PreparedStatement {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      async all<T>() {
        const result = await statement.all<T>();
        count(result.meta);
        return result;
      },
      async run<T>() {
        const result = await statement.run<T>();
        count(result.meta);
        return result;
      },
      async first<T>(column?: string) {
        const result = await statement.all<Record<string, unknown>>();
        count(result.meta);
        const row = result.results[0];
        if (row === undefined) return null;
        return (column === undefined ? row : (row[column] ?? null)) as T;
      },
      async raw<T>(options?: { columnNames?: boolean }) {
        const result = await statement.all<Record<string, unknown>>();
        count(result.meta);
        const rows = result.results.map((row) => Object.values(row));
        const names = Object.keys(result.results[0] ?? {});
        return (options?.columnNames ? [names, ...rows] : rows) as T[];
      },
    } as unknown as D1PreparedStatement;
    inners.set(wrapped, statement);
    return wrapped;
  }

  const db = {
    prepare: (query: string) => wrap(inner.prepare(query)),
    async batch<T>(list: D1PreparedStatement[]) {
      const results = await inner.batch<T>(list.map((statement) => inners.get(statement) ?? statement));
      for (const result of results) count(result.meta);
      return results;
    },
    exec: (query: string) => inner.exec(query),
    dump: () => inner.dump(),
    withSession: () => {
      throw new Error("countingD1: sessions are not counted");
    },
  } as unknown as D1Database;

  return {
    db,
    rowsRead: () => rowsRead,
    statements: () => statements,
    reset: () => {
      rowsRead = 0;
      statements = 0;
    },
  };
}
