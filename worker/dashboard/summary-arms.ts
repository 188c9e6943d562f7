import type { Manifest } from "../contracts/manifest.ts";
import { type ArmComparison, summaryCompareArms } from "../monitoring/ab-comparison.ts";
import type { KeyedSummary } from "../monitoring/summary/fold.ts";
import type { ModelRecord, MonitoringThresholds } from "../repository/registry-types.ts";
import { type OpsPoint, opsPoint } from "./summary-views.ts";

/** The A/B arms (route "ab" summaries per version) against the control, each with its ops over the range. */
export function abView(
  manifest: Manifest | undefined,
  summaries: readonly KeyedSummary[],
  record: ModelRecord,
  thresholds: MonitoringThresholds,
): { control: string | null; weights: Record<string, number>; arms: (ArmComparison & { ops: OpsPoint })[] } {
  const weights = record.traffic.weights;
  if (!manifest) return { control: null, weights, arms: [] };
  const comparison = summaryCompareArms(manifest, summaries, record.default, thresholds.p_value);
  const ab = summaries.filter(({ key }) => key.route === "ab");
  return {
    control: comparison.control,
    weights,
    arms: comparison.arms.map((arm) => ({
      ...arm,
      ops: opsPoint(
        0,
        ab.filter(({ key }) => key.version === arm.version),
      ),
    })),
  };
}
