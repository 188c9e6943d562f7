import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second (`getconf CLK_TCK`); 100 on every Linux this project runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  command: string;
  /** utime + stime of the process (all its threads), in clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command sits in parentheses and may itself contain spaces or parentheses.
    const close = text.lastIndexOf(")");
    const command = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // fields[0] is field 3 (state): ppid is field 4, utime field 14, stime field 15.
    return {
      pid,
      ppid: Number(fields[1]),
      command,
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null; // exited between the listing and the read
  }
}

function allStats(): ProcStat[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== null);
}

/** The process and all its descendants. */
export function processTree(rootPid: number): ProcStat[] {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const root = stats.find((stat) => stat.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift() as ProcStat;
    tree.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

export interface CpuSnapshot {
  /** Summed utime+stime per pid, in milliseconds. */
  byPid: Map<number, { command: string; ms: number }>;
}

/** CPU used so far by a server's process tree (e.g. wrangler's node, every workerd it spawned). */
export function cpuSnapshot(rootPid: number): CpuSnapshot {
  const byPid = new Map<number, { command: string; ms: number }>();
  for (const stat of processTree(rootPid)) {
    byPid.set(stat.pid, { command: stat.command, ms: (stat.ticks * 1000) / CLOCK_TICKS_PER_SECOND });
  }
  return { byPid };
}

/** CPU ms spent between two snapshots, in total and for processes whose command matches `only`. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, only?: RegExp): number {
  let total = 0;
  for (const [pid, { command, ms }] of after.byPid) {
    if (only && !only.test(command)) continue;
    total += ms - (before.byPid.get(pid)?.ms ?? 0);
  }
  return total;
}
