/**
 * Drift replay suite (issue 12, item 3): detection and false-alarm rates of the Worker's drift code
 * (worker/monitoring/feature-drift.ts, called directly) on fresh rows of the recommender's training world
 * against the shipped v4_xgboost manifest reference (4,800 rows).
 *
 *   PYTHONPATH=scripts/training .venv/bin/python scripts/monitoring/drift-replay-pool.py
 *   npx tsx scripts/monitoring/drift-replay-suite.ts [windows]
 *
 * A window "alarms" when any feature is warned or drifted; a scenario is "detected" when its feature is
 * warned or drifted. Each scenario runs with the shipped rule (KS / chi-square, ids as categories through
 * `training.id_reference`) and with Evidently's rule (`reference_size`: Wasserstein / Jensen–Shannon at 0.1).
 */
import { readFileSync } from "node:fs";
import type { Manifest } from "../../worker/contracts/manifest.ts";
import { datasetDrift } from "../../worker/monitoring/feature-drift.ts";
import type { MonitoringThresholds } from "../../worker/monitoring/thresholds.ts";
import { defaultThresholds } from "../../worker/repository/default-thresholds.ts";

type Row = Record<string, number | string>;
const windows = Number(process.argv[2] ?? 200);
/** Optional: run only the scenarios whose name contains this text. */
const only = process.argv[3];
const pool = JSON.parse(readFileSync("/tmp/i12e/pool.json", "utf8")) as {
  rows: Record<string, (number | string)[]>;
  id_reference: Record<string, { counts: Record<string, number> }>;
};
const columns = Object.keys(pool.rows);
const poolSize = pool.rows[columns[0] as string]?.length ?? 0;
const rows: Row[] = Array.from({ length: poolSize }, (_, i) =>
  Object.fromEntries(columns.map((c) => [c, pool.rows[c]?.[i] as number | string])),
);
const shipped = JSON.parse(readFileSync("models/recommender/v4_xgboost/manifest.json", "utf8")) as Manifest;
const withIds: Manifest = { ...shipped, training: { ...shipped.training, id_reference: pool.id_reference } };

let state = 12345;
const random = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};
const sample = (n: number, from: Row[] = rows) =>
  Array.from({ length: n }, () => from[Math.floor(random() * from.length)] as Row);

const std = (name: string) => {
  const reference = shipped.reference.features[name];
  return reference?.type === "numeric" ? reference.std : 0;
};
const proportion = (name: string, value: string) => {
  const reference = shipped.reference.features[name];
  return reference?.type === "category" ? (reference.proportions[value] ?? 0) : 0;
};
/** Move 10 points of mass onto `value` from the other values (relabel each other row with the needed odds). */
const categoryShift = (name: string, value: string) => (window: Row[]) => {
  const odds = 0.1 / (1 - proportion(name, value));
  return window.map((row) => (row[name] !== value && random() < odds ? { ...row, [name]: value } : row));
};
const keptHalf = (name: string) => {
  const ids = Object.keys(pool.id_reference[name]?.counts ?? {});
  return new Set(ids.filter((_, i) => i % 2 === 0));
};

interface Scenario {
  name: string;
  n: number;
  target: string | null;
  make: (n: number) => Row[];
  manifest?: Manifest;
}
const scenarios: Scenario[] = [
  { name: "in-distribution 500", n: 500, target: null, make: (n) => sample(n) },
  { name: "in-distribution 5,000", n: 5000, target: null, make: (n) => sample(n) },
  { name: "in-distribution 50,000", n: 50000, target: null, make: (n) => sample(n) },
  ...["user_age", "item_price"].map((feature) => ({
    name: `${feature} +0.5σ`,
    n: 5000,
    target: feature,
    make: (n: number) =>
      sample(n).map((row) => ({ ...row, [feature]: (row[feature] as number) + 0.5 * std(feature) })),
  })),
  {
    name: "user_gender +10 pts M",
    n: 5000,
    target: "user_gender",
    make: (n) => categoryShift("user_gender", "M")(sample(n)),
  },
  {
    name: "item_category +10 pts A",
    n: 5000,
    target: "item_category",
    make: (n) => categoryShift("item_category", "A")(sample(n)),
  },
  ...["user_id", "item_id"].map((feature) => {
    const kept = keptHalf(feature);
    const from = rows.filter((row) => kept.has(String(row[feature])));
    return {
      name: `${feature}: half the ids lost`,
      n: 5000,
      target: feature,
      make: (n: number) => sample(n, from),
    };
  }),
  {
    name: "item_price +1 (0.04σ), 50,000 rows",
    n: 50000,
    target: "item_price",
    make: (n) => sample(n).map((row) => ({ ...row, item_price: (row.item_price as number) + 1 })),
  },
  {
    name: "user_gender +10 pts, importance 0.02",
    n: 5000,
    target: "user_gender",
    make: (n) => categoryShift("user_gender", "M")(sample(n)),
    manifest: {
      ...withIds,
      training: {
        ...withIds.training,
        feature_importance: {
          user_id: 1,
          item_id: 1,
          user_age: 0.5,
          item_price: 0.5,
          item_category: 0.5,
          user_gender: 0.02,
        },
      },
    },
  },
];

const rules: [string, MonitoringThresholds][] = [
  ["shipped (ks_chi_square)", defaultThresholds("regression")],
  [
    "evidently (reference_size)",
    { ...defaultThresholds("regression"), drift_methods: { default_rule: "reference_size" } },
  ],
];

const pct = (k: number, of: number) => `${((100 * k) / of).toFixed(1)} %`;
for (const scenario of scenarios.filter((s) => !only || s.name.includes(only))) {
  const count = scenario.n >= 50000 ? Math.max(20, Math.floor(windows / 4)) : windows;
  const flagged: Map<string, number>[] = rules.map(() => new Map());
  const stats = rules.map(() => ({ alarm: 0, detected: 0, drift: 0, named_only: 0 }));
  let agree = 0;
  for (let w = 0; w < count; w++) {
    const window = scenario.make(scenario.n);
    const verdicts = rules.map(([, thresholds], r) => {
      const drift = datasetDrift(scenario.manifest ?? withIds, window, thresholds);
      const named = [...drift.drifted_features, ...drift.warned_features].sort();
      const s = stats[r] as (typeof stats)[number];
      if (named.length) s.alarm++;
      for (const f of named) flagged[r]?.set(f, (flagged[r]?.get(f) ?? 0) + 1);
      if (scenario.target && named.includes(scenario.target)) s.detected++;
      if (scenario.target && drift.drifted_features.includes(scenario.target)) s.drift++;
      if (scenario.target && named.length === 1 && named[0] === scenario.target) s.named_only++;
      return named.join(",");
    });
    if (verdicts[0] === verdicts[1]) agree++;
  }
  console.log(`\n## ${scenario.name} — ${count} windows of ${scenario.n} rows`);
  rules.forEach(([rule], r) => {
    const s = stats[r] as (typeof stats)[number];
    const perFeature = [...(flagged[r] ?? new Map())].map(([f, k]) => `${f} ${pct(k, count)}`).join(", ");
    console.log(
      scenario.target
        ? `${rule}: detected ${pct(s.detected, count)} (status drift ${pct(s.drift, count)}, only it ${pct(s.named_only, count)}); flagged: ${perFeature || "none"}`
        : `${rule}: false alarm ${pct(s.alarm, count)}; flagged: ${perFeature || "none"}`,
    );
  });
  console.log(`agreement (same flagged set): ${pct(agree, count)}`);
}
