import { readShippedModels } from "../dev/shipped-models.ts";

/** The credit seed request of README.md (POST /api/v1/predict). */
export const CREDIT_REQUEST = {
  income: 50000,
  age: 35,
  credit_history: "good",
  loan_amount: 10000,
  employment_years: 5,
};

/** A 1,000-row batch for the recommender's default version, cycling through its manifest examples. */
export function recommenderBatch(rows = 1000): { instances: Record<string, unknown>[] } {
  const { versions, defaults } = readShippedModels();
  const recommender = versions.find(
    (v) => v.manifest.model === "recommender" && v.manifest.version === defaults.recommender,
  );
  if (!recommender) throw new Error("the recommender's default version is not shipped");
  const examples = recommender.manifest.examples.map((example) => example.inputs);
  return { instances: Array.from({ length: rows }, (_, i) => examples[i % examples.length] ?? {}) };
}
