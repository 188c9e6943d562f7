/**
 * Skill of a regression model against a user/item-mean baseline built from the same window:
 * skill = 1 − MSE(model) / MSE(baseline), where the baseline predicts ȳ + (ū − ȳ) + (ī − ȳ) from the
 * window's other labelled rows (leave-one-out, so a row never predicts itself; a user or item seen only in
 * this row contributes no effect). The keys are the recommender's `user_id` and `item_id` inputs; without
 * them (or with fewer than MIN_ROWS rows) there is no skill figure. Reported beside the verdict, not part
 * of it: with 30 labels most users and items appear once, so the baseline is close to the global mean.
 */
const MIN_ROWS = 10;

interface SkillRow {
  output: number;
  actual: number;
  user: unknown;
  item: unknown;
}

export interface BaselineSkill {
  baseline: "loo_user_item_means";
  baseline_rmse: number;
  skill: number | null;
}

function sums(rows: readonly SkillRow[], key: "user" | "item") {
  const map = new Map<unknown, { sum: number; count: number }>();
  for (const row of rows) {
    const entry = map.get(row[key]) ?? { sum: 0, count: 0 };
    entry.sum += row.actual;
    entry.count += 1;
    map.set(row[key], entry);
  }
  return map;
}

export function baselineSkill(rows: readonly SkillRow[]): BaselineSkill | null {
  const n = rows.length;
  if (n < MIN_ROWS || rows.some((row) => row.user === undefined || row.item === undefined)) return null;
  const total = rows.reduce((sum, row) => sum + row.actual, 0);
  const users = sums(rows, "user");
  const items = sums(rows, "item");
  let modelSse = 0;
  let baselineSse = 0;
  for (const row of rows) {
    const grand = (total - row.actual) / (n - 1);
    const user = users.get(row.user) as { sum: number; count: number };
    const item = items.get(row.item) as { sum: number; count: number };
    const userEffect = user.count > 1 ? (user.sum - row.actual) / (user.count - 1) - grand : 0;
    const itemEffect = item.count > 1 ? (item.sum - row.actual) / (item.count - 1) - grand : 0;
    baselineSse += (grand + userEffect + itemEffect - row.actual) ** 2;
    modelSse += (row.output - row.actual) ** 2;
  }
  const round = (value: number) => Number(value.toPrecision(6));
  return {
    baseline: "loo_user_item_means",
    baseline_rmse: round(Math.sqrt(baselineSse / n)),
    skill: baselineSse > 0 ? round(1 - modelSse / baselineSse) : null,
  };
}
