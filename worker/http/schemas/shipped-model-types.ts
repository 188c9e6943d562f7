import type { TaskName } from "../../vocabulary/index.ts";

/** What the OpenAPI document needs of a shipped model (generated into shipped-models.generated.ts). */
export interface ShippedFeature {
  name: string;
  kind: "number" | "integer" | "category";
  description: string;
  required: boolean;
  min?: number;
  max?: number;
  values?: string[];
  allow_unknown?: boolean;
}

export interface ShippedModel {
  model: string;
  default_version: string;
  versions: string[];
  title: string;
  task: TaskName;
  features: ShippedFeature[];
  /** Interval coverages every version of the model offers (empty: no calibrated intervals). */
  interval_levels: number[];
  /** Raw feature rows from the manifests' `examples`. */
  examples: Record<string, number | string>[];
  /** Item features the model's catalog provides (POST /v1/models/<m>/recommendations), or null. */
  catalog_features: string[] | null;
}
