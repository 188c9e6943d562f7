import type { Manifest } from "../../contracts/manifest.ts";
import type { LabelledSummary } from "./summary.ts";

/** What a label needs of its prediction (a sealed id carries these; a sampled row has them too). */
export interface LabelledFacts {
  /** The logged output: regression value (clipped), positive-class probability, predicted class's probability. */
  output: number;
  /** Multiclass: every class probability in the manifest's class order. */
  probabilities?: readonly number[] | null;
  /** Regression: the served interval (coverage counts), when one was answered. */
  interval?: { level: number; lower: number; upper: number } | null;
}

/**
 * The labelled delta of one prediction and its actual, already normalised by the task's `normaliseActual`
 * (regression: the number; binary: 1/0; multiclass: the class index). `weight` −1 subtracts an earlier label
 * that this one replaces (the sums are linear in the rows, so the result is exact). Null when the facts do
 * not fit the task (multiclass without probabilities of the manifest's width).
 */
export function labelledDelta(
  manifest: Manifest,
  facts: LabelledFacts,
  actual: number,
  weight: 1 | -1 = 1,
): LabelledSummary | null {
  void manifest;
  void facts;
  void actual;
  void weight;
  throw new Error("labelledDelta: not implemented yet (B3 step 2)");
}
