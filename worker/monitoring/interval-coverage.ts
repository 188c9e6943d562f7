import type { Manifest } from "../contracts/manifest.ts";
import type { HealthReason } from "../tasks/index.ts";
import { betaI } from "../tasks/metrics/special-functions.ts";
import { intervalGroup } from "../tasks/regression.ts";
import type { WindowRow } from "./store/window-reader.ts";
import type { CoverageCounts } from "./summary/summary.ts";

/** Coverage may sit this far below nominal before it is a finding (the per-group bar). */
export const COVERAGE_TOLERANCE = 0.05;
/** One-sided confidence of the Clopper–Pearson bounds, before the Bonferroni split over the cells of a level. */
export const COVERAGE_CONFIDENCE = 0.95;

export const COVERAGE_RULE =
  `warning when the one-sided Clopper–Pearson upper bound of a cell's coverage (${COVERAGE_CONFIDENCE * 100} %, ` +
  "Bonferroni-split over the level's marginal cell and its Mondrian groups) is below nominal − " +
  `${COVERAGE_TOLERANCE}; judged once the level has min_feedback labels`;

const fmt = (value: number) => Number(value.toPrecision(4));
/** Tolerance for a label sitting exactly on a (float-stored) bound. */
const EDGE = 1e-6;

/** Exact binomial bounds: the coverage p with P(X ≤ k; n, p) = α (upper) and P(X ≥ k; n, p) = α (lower). */
export function clopperPearson(covered: number, n: number, alpha: number): { lower: number; upper: number } {
  // bisection for the p where an increasing tail probability reaches the target
  const solve = (tail: (p: number) => number, target: number): number => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i += 1) {
      const mid = (lo + hi) / 2;
      if (tail(mid) < target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  // P(X > k; p) = 1 − I_{1−p}(n − k, k + 1) reaches 1 − α at the upper bound; P(X ≥ k; p) = I_p(k, n − k + 1) reaches α at the lower
  const upper = covered >= n ? 1 : solve((p) => 1 - betaI(n - covered, covered + 1, 1 - p), 1 - alpha);
  const lower = covered <= 0 ? 0 : solve((p) => betaI(covered, n - covered + 1, p), alpha);
  return { lower, upper };
}

export interface CoverageCell {
  n: number;
  covered: number;
  coverage: number | null;
  lower_bound: number | null;
  upper_bound: number | null;
  /** under: the upper bound is below nominal − tolerance; ok otherwise (null coverage: no labelled rows). */
  status: "ok" | "under" | "no_labels";
}

export interface LevelCoverage {
  level: number;
  /** The Bonferroni-split one-sided α used for every cell of this level. */
  alpha: number;
  marginal: CoverageCell;
  /** Index = Mondrian group (manifest intervals.groups); null when the version has no groups. */
  groups: CoverageCell[] | null;
}

export interface IntervalCoverage {
  version: string;
  /** Where the bounds came from: the bounds logged with each prediction; the group is recomputed from the output. */
  source: "logged_bounds";
  group_by: string | null;
  tolerance: number;
  confidence: number;
  rule: string;
  levels: LevelCoverage[];
}

function cell(covered: number, n: number, nominal: number, alpha: number): CoverageCell {
  if (n === 0)
    return { n, covered, coverage: null, lower_bound: null, upper_bound: null, status: "no_labels" };
  const { lower, upper } = clopperPearson(covered, n, alpha);
  return {
    n,
    covered,
    coverage: fmt(covered / n),
    lower_bound: fmt(lower),
    upper_bound: fmt(upper),
    status: upper < nominal - COVERAGE_TOLERANCE ? "under" : "ok",
  };
}

/**
 * Live coverage of a regression version's served intervals: each labelled row whose prediction was answered with an
 * interval counts as covered when lower ≤ actual ≤ upper (the logged bounds: what the client received, no
 * recomputation that could disagree with a clipped raw score). Rows are split by the level they were served at;
 * the Mondrian group is recomputed from the logged (clipped) output with the version's manifest, as the Worker did.
 * Null when the version has no intervals or no labelled row carries one.
 */
export function intervalCoverage(
  version: string,
  manifest: Manifest,
  rows: readonly WindowRow[],
): IntervalCoverage | null {
  const intervals = manifest.intervals;
  if (!intervals || manifest.task !== "regression") return null;
  const groups = intervals.groups;
  const k = groups ? groups.edges.length + 1 : 0;
  const tallies = new Map<number, { n: number[]; covered: number[] }>();
  for (const row of rows) {
    const { intervalLevel: level, intervalLower: lower, intervalUpper: upper, actual, output } = row;
    if (level == null || lower == null || upper == null || actual === null || output === null) continue;
    const tally = tallies.get(level) ?? { n: Array(k + 1).fill(0), covered: Array(k + 1).fill(0) };
    tallies.set(level, tally);
    const hit = actual >= lower - EDGE && actual <= upper + EDGE ? 1 : 0;
    const slots = groups ? [0, 1 + intervalGroup(groups, output)] : [0];
    for (const slot of slots) {
      tally.n[slot] = (tally.n[slot] ?? 0) + 1;
      tally.covered[slot] = (tally.covered[slot] ?? 0) + hit;
    }
  }
  return coverageOf(version, manifest, tallies);
}

/**
 * `intervalCoverage` from a window's labelled coverage counts (monitoring/summary CoverageCounts: per level,
 * slot 0 marginal, slot 1 + g the Mondrian group g): the same cells, exactly.
 */
export function summaryIntervalCoverage(
  version: string,
  manifest: Manifest,
  counts: CoverageCounts | undefined,
): IntervalCoverage | null {
  if (!manifest.intervals || manifest.task !== "regression" || !counts) return null;
  const tallies = new Map<number, { n: number[]; covered: number[] }>();
  for (const [level, tally] of Object.entries(counts)) tallies.set(Number(level), tally);
  return coverageOf(version, manifest, tallies);
}

function coverageOf(
  version: string,
  manifest: Manifest,
  tallies: ReadonlyMap<number, { n: number[]; covered: number[] }>,
): IntervalCoverage | null {
  const groups = manifest.intervals?.groups;
  const k = groups ? groups.edges.length + 1 : 0;
  if (tallies.size === 0) return null;
  const levels = [...tallies.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, tally]): LevelCoverage => {
      const alpha = (1 - COVERAGE_CONFIDENCE) / (k + 1);
      const at = (slot: number) => cell(tally.covered[slot] ?? 0, tally.n[slot] ?? 0, level, alpha);
      return {
        level,
        alpha: fmt(alpha),
        marginal: at(0),
        groups: groups ? Array.from({ length: k }, (_, group) => at(group + 1)) : null,
      };
    });
  return {
    version,
    source: "logged_bounds",
    group_by: groups?.by ?? null,
    tolerance: COVERAGE_TOLERANCE,
    confidence: COVERAGE_CONFIDENCE,
    rule: COVERAGE_RULE,
    levels,
  };
}

/** A warning per level whose marginal or any group's coverage is under nominal − tolerance on the bound. */
export function coverageReasons(coverage: IntervalCoverage | null, minFeedback: number): HealthReason[] {
  if (!coverage) return [];
  const reasons: HealthReason[] = [];
  for (const level of coverage.levels) {
    if (level.marginal.n < minFeedback) continue;
    const under = [
      ...(level.marginal.status === "under" ? [`all ${level.marginal.coverage}`] : []),
      ...(level.groups ?? []).flatMap((group, index) =>
        group.status === "under" ? [`group ${index} ${group.coverage} (n ${group.n})`] : [],
      ),
    ];
    if (under.length > 0)
      reasons.push({
        severity: "warning",
        code: "interval_undercoverage",
        message: `${coverage.version} ${level.level} intervals cover below ${fmt(level.level - COVERAGE_TOLERANCE)} on the bound: ${under.join(", ")}`,
      });
  }
  return reasons;
}
