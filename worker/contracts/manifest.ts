import { z } from "@hono/zod-openapi";
import { ENGINES, MAX_BATCH_ROWS, TASKS } from "../vocabulary/index.ts";

/**
 * The model manifest: the contract between training (Python) and serving (this Worker).
 * `schemas/manifest.schema.json` is generated from this file (`npm run schema`) and the Python
 * package validates every manifest it writes against it; cross-field rules live in `superRefine`
 * below and are mirrored by the Python checks and exercised by the workerd parity test.
 */

const VERSION_SLUG = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const FEATURE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const slugSchema = z.string().regex(VERSION_SLUG, "lowercase slug [a-z0-9][a-z0-9_.-]{0,63}");
const sha256Schema = z.string().regex(/^[a-f0-9]{64}$/, "lowercase hex sha256");
const finite = z.number().refine(Number.isFinite, "must be finite");

const tensorTypeSchema = z.enum(["float32", "float64", "int64", "int32", "string", "bool"]);

const tensorSpecSchema = z.object({
  name: z.string().min(1),
  type: tensorTypeSchema,
  /** Dimensions; null or a string marks a dynamic (batch) dimension. */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string(), z.null()])),
});
export type TensorSpec = z.infer<typeof tensorSpecSchema>;

const featureCommon = {
  name: z.string().regex(FEATURE_NAME),
  description: z.string().default(""),
  required: z.boolean().default(true),
  /** ONNX input tensor this feature feeds, and its column there (inputs are [N, k]). */
  input: z.string().min(1),
  column: z.number().int().nonnegative().default(0),
  /** Value fed when an optional feature is absent (numeric default: NaN, for an Imputer in the graph). */
  missing: z.union([finite, z.string()]).optional(),
};

const numericFeatureSchema = z.object({
  ...featureCommon,
  kind: z.enum(["number", "integer"]),
  min: finite.optional(),
  max: finite.optional(),
});

const categoryFeatureSchema = z.object({
  ...featureCommon,
  kind: z.literal("category"),
  values: z.array(z.string()).min(1),
  /** When true an unseen category is passed to the graph (e.g. OneHotEncoder handle_unknown=ignore). */
  allow_unknown: z.boolean().default(false),
});

export const featureSchema = z.discriminatedUnion("kind", [numericFeatureSchema, categoryFeatureSchema]);
export type Feature = z.infer<typeof featureSchema>;

const outputSchema = z.object({
  /** ONNX output tensor read for the score: regression value [N,1]/[N], or class probabilities [N,C]. */
  name: z.string().min(1),
  /** Classification: column of the positive class in the probability tensor. */
  positive_index: z.number().int().nonnegative().optional(),
  positive_label: z.union([z.string(), z.number()]).optional(),
  negative_label: z.union([z.string(), z.number()]).optional(),
  /** Classification: probability at or above which the positive label is predicted. */
  threshold: z.number().min(0).max(1).optional(),
  /** Regression: the range predictions are clipped to (e.g. ratings 1-5). */
  clip: z.object({ min: finite, max: finite }).optional(),
  /** Multiclass: the class label of each probability column, in column order (the predicted class is the arg-max). */
  classes: z.array(z.string().min(1)).min(2).optional(),
});

const numericReferenceSchema = z.object({
  type: z.literal("numeric"),
  /** PSI bins: k-1 ascending interior cut points and the k reference proportions. */
  bins: z.object({ edges: z.array(finite), proportions: z.array(z.number().min(0).max(1)) }),
  /** 101 reference quantiles (0 %, 1 %, ... 100 %): the reference CDF for KS. */
  quantiles: z.array(finite).length(101),
  mean: finite,
  std: finite,
  min: finite,
  max: finite,
});

const categoryReferenceSchema = z.object({
  type: z.literal("category"),
  proportions: z.record(z.string(), z.number().min(0).max(1)),
});

export const referenceDistributionSchema = z.discriminatedUnion("type", [
  numericReferenceSchema,
  categoryReferenceSchema,
]);
export type ReferenceDistribution = z.infer<typeof referenceDistributionSchema>;
export type NumericReference = z.infer<typeof numericReferenceSchema>;

const coverageLevel = z.number().gt(0).lt(1);

/**
 * Mondrian (per-group) split-conformal: a group is read from the clipped prediction (`integer_distance`:
 * |ŷ − round(ŷ)|; `prediction`: ŷ) as the number of `edges` at or below it, and each level carries one
 * absolute-residual quantile per group. Levels must be among the marginal `levels`.
 */
const intervalGroupsSchema = z.object({
  by: z.enum(["integer_distance", "prediction"]),
  /** Ascending interior cut points: k-1 edges make k groups. */
  edges: z.array(finite),
  calibration_rows: z.array(z.number().int().nonnegative()),
  holdout_rows: z.array(z.number().int().nonnegative()).optional(),
  levels: z
    .array(
      z.object({
        coverage: coverageLevel,
        quantiles: z.array(z.number().nonnegative()),
        holdout_coverage: z.array(z.number().min(0).max(1).nullable()).optional(),
      }),
    )
    .min(1),
});

/**
 * LAC prediction sets over integer labels: p(k | ŷ) ∝ exp(−(k − ŷ)² / 2·scale²) over `labels` (ŷ clipped);
 * the set holds every label with 1 − p(k | ŷ) ≤ the row's group threshold (the most likely label if none).
 * One threshold per Mondrian group when `groups` is present, else one.
 */
const predictionSetsSchema = z.object({
  method: z.literal("lac"),
  labels: z.array(finite).min(2),
  scale: z.number().positive(),
  levels: z
    .array(
      z.object({
        coverage: coverageLevel,
        thresholds: z.array(z.number().min(0).max(1)).min(1),
        holdout_coverage: z.number().min(0).max(1).optional(),
        mean_size: z.number().nonnegative().optional(),
      }),
    )
    .min(1),
});

const intervalsSchema = z.object({
  method: z.literal("split_conformal"),
  calibration_rows: z.number().int().positive(),
  levels: z
    .array(
      z.object({
        coverage: coverageLevel,
        /** Absolute-residual quantile: the interval is prediction ± quantile (then clipped). */
        quantile: z.number().nonnegative(),
        holdout_coverage: z.number().min(0).max(1).optional(),
      }),
    )
    .min(1),
  /** Optional Mondrian block: when present the Worker answers with the row's group quantile. */
  groups: intervalGroupsSchema.optional(),
  /** Optional prediction sets over integer labels, served beside the interval. */
  prediction_sets: predictionSetsSchema.optional(),
});
export type Intervals = z.infer<typeof intervalsSchema>;

const leaderboardRowSchema = z
  .object({ model: z.string(), mean: finite, std: finite.optional() })
  .catchall(z.unknown());

const exampleSchema = z.object({
  inputs: z.record(z.string(), z.union([z.number(), z.string()])),
  /**
   * The raw model output computed in training: regression value (before clipping), positive-class probability, or
   * (multiclass) the predicted class's probability, with every class's probability in `probabilities`.
   */
  expected: z.object({
    output: finite,
    label: z.union([z.string(), z.number()]).optional(),
    probabilities: z.array(z.number().min(0).max(1)).optional(),
  }),
});

const catalogSchema = z.object({
  /** Feature that identifies an item, and the item features a catalog row provides. */
  key: z.string(),
  features: z.array(z.string()).min(1),
  /** Scored in one request, so no larger than a batch. */
  items: z
    .array(z.record(z.string(), z.union([z.number(), z.string()])))
    .min(1)
    .max(MAX_BATCH_ROWS),
});

/**
 * `training.feature_importance`: {feature: importance ≥ 0}, written by training as the permutation importance on
 * the holdout split, max-normalised (edge_training/importance.py). Drift monitoring weighs a feature's effect by
 * importance / max (worker/monitoring/drift/model-annotations.ts); a feature absent from the map weighs 1.
 */
const featureImportanceSchema = z.record(
  z.string(),
  z.number().nonnegative().refine(Number.isFinite, "must be finite"),
);

/**
 * `training.id_reference`: {feature: {counts: {id: rows}}}, the rows per id of an identifier feature (user_id,
 * item_id) on the same rows as `reference`. Drift monitoring treats a listed feature as a category of ids.
 */
const idReferenceSchema = z.record(
  z.string(),
  z.object({ counts: z.record(z.string(), z.number().int().nonnegative()) }),
);
export type IdReference = z.infer<typeof idReferenceSchema>[string];

const intervalPair = z.tuple([finite, finite]);

/**
 * `training.threshold_selection` (binary classification): how the calibration split chose `output.threshold`.
 * `policy` (human-readable) and `split` are always there; the rest depends on the policy (`rule` names the
 * parameterised ones, edge_training/decision_threshold.py): max-F1 records `f1`, the German Credit grid
 * `cost_per_applicant`, `expected_cost` the cost matrix, Bayes threshold and the bootstrap evidence about it,
 * `positive_rate` the target rate and the threshold's interval; both record the positive (approval) rate and the
 * expected cost per applicant at the threshold with their 95 % percentile-bootstrap intervals.
 */
const thresholdSelectionSchema = z
  .object({
    policy: z.string(),
    split: z.string(),
    rule: z.enum(["expected_cost", "positive_rate"]).optional(),
    f1: finite.optional(),
    cost_per_applicant: finite.optional(),
    costs: z
      .object({ false_positive: finite, false_negative: finite, note: z.string().optional() })
      .optional(),
    bayes_threshold: finite.optional(),
    empirical_threshold: finite.optional(),
    empirical_threshold_interval: intervalPair.optional(),
    bayes_inside_interval: z.boolean().optional(),
    target_positive_rate: finite.optional(),
    threshold_interval: intervalPair.optional(),
    positive_rate: finite.optional(),
    positive_rate_interval: intervalPair.optional(),
    expected_cost: finite.optional(),
    expected_cost_interval: intervalPair.optional(),
    expected_cost_at_0_5: finite.optional(),
    interval_level: finite.optional(),
    bootstrap_resamples: z.number().int().positive().optional(),
  })
  .catchall(z.unknown());

/**
 * How the Worker serves a version: chosen and written by the Worker at publish (or local seeding), never by
 * training; an uploaded `serving` is ignored and a re-publish compares manifests without it.
 */
export const servingSchema = z.object({
  engine: z.enum(ENGINES),
  /** The compact engine's compiled form, stored in R2 at models/<m>/<v>/compiled/f<format_version>.bin. */
  compiled: z
    .object({
      format_version: z.number().int().nonnegative(),
      sha256: sha256Schema,
      bytes: z.number().int().positive(),
      /** Bytes a loaded session keeps alive: what the isolate's session cache budgets. */
      retained_bytes: z.number().int().positive(),
      tree_nodes: z.number().int().nonnegative(),
    })
    .optional(),
});
export type Serving = z.infer<typeof servingSchema>;

const manifestObjectSchema = z.object({
  schema_version: z.literal(1),
  model: slugSchema,
  version: slugSchema,
  task: z.enum(TASKS),
  title: z.string().optional(),
  description: z.string().default(""),
  artifact: z.object({
    file: z.string().min(1),
    sha256: sha256Schema,
    bytes: z.number().int().positive(),
  }),
  onnx: z.object({
    opsets: z.record(z.string(), z.number().int()),
    inputs: z.array(tensorSpecSchema).min(1),
    outputs: z.array(tensorSpecSchema).min(1),
  }),
  features: z.array(featureSchema).min(1),
  output: outputSchema,
  /** Feature identifying the end user (sticky A/B assignment when no X-Subject-Id is sent). */
  subject_feature: z.string().optional(),
  intervals: intervalsSchema.optional(),
  reference: z.object({
    rows: z.number().int().positive(),
    features: z.record(z.string(), referenceDistributionSchema),
    prediction: numericReferenceSchema,
    /** Multiclass: the predicted-class proportions on the reference data (prediction drift over classes). */
    prediction_classes: categoryReferenceSchema.optional(),
  }),
  metrics: z.record(z.string(), finite),
  cv: z
    .object({
      folds: z.number().int().positive(),
      metric: z.string(),
      leaderboard: z.array(leaderboardRowSchema),
    })
    .optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  training: z
    .object({
      dataset: z.string(),
      data_sha256: sha256Schema,
      rows: z.record(z.string(), z.number().int().nonnegative()),
      seed: z.number().int(),
      libraries: z.record(z.string(), z.string()),
      trained_at: z.string(),
      mlflow: z
        .object({
          run_id: z.string(),
          experiment: z.string().optional(),
          registered_model: z.string().optional(),
          registered_version: z.string().optional(),
        })
        .optional(),
      deviations: z.array(z.string()).default([]),
      threshold_selection: thresholdSelectionSchema.optional(),
      feature_importance: featureImportanceSchema.optional(),
      id_reference: idReferenceSchema.optional(),
    })
    .catchall(z.unknown()),
  examples: z.array(exampleSchema).min(1),
  catalog: catalogSchema.optional(),
  serving: servingSchema.optional(),
});

export const manifestSchema = manifestObjectSchema.superRefine((manifest, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const inputs = new Map(manifest.onnx.inputs.map((input) => [input.name, input]));
  const seen = new Set<string>();
  manifest.features.forEach((feature, index) => {
    if (seen.has(feature.name)) issue(["features", index, "name"], `duplicate feature ${feature.name}`);
    seen.add(feature.name);
    const input = inputs.get(feature.input);
    if (!input) {
      issue(["features", index, "input"], `no ONNX input named ${feature.input}`);
      return;
    }
    const wantsString = feature.kind === "category";
    if (wantsString !== (input.type === "string")) {
      issue(["features", index, "input"], `${feature.kind} feature cannot feed a ${input.type} tensor`);
    }
    if (feature.kind !== "category" && feature.min !== undefined && feature.max !== undefined) {
      if (feature.min > feature.max) issue(["features", index, "min"], "min exceeds max");
    }
    if (!feature.required && feature.missing === undefined && input.type.startsWith("int")) {
      issue(["features", index, "missing"], "optional feature on an integer tensor needs a missing value");
    }
    if (!manifest.reference.features[feature.name]) {
      issue(["reference", "features"], `no reference distribution for ${feature.name}`);
    }
  });
  const checkNumericReference = (path: (string | number)[], reference: NumericReference) => {
    const { edges, proportions } = reference.bins;
    if (proportions.length !== edges.length + 1)
      issue([...path, "bins"], "needs one more proportion than edges");
    if (edges.some((edge, i) => i > 0 && edge <= (edges[i - 1] ?? edge)))
      issue([...path, "bins", "edges"], "must ascend");
    if (reference.quantiles.some((q, i) => i > 0 && q < (reference.quantiles[i - 1] ?? q))) {
      issue([...path, "quantiles"], "must not descend");
    }
  };
  for (const [name, reference] of Object.entries(manifest.reference.features)) {
    if (reference.type === "numeric") checkNumericReference(["reference", "features", name], reference);
  }
  checkNumericReference(["reference", "prediction"], manifest.reference.prediction);
  manifest.features.forEach((feature, index) => {
    if (feature.kind !== "category" && typeof feature.missing === "string") {
      issue(["features", index, "missing"], "a numeric feature's missing value must be a number");
    }
  });
  for (const input of manifest.onnx.inputs) {
    const columns = manifest.features
      .filter((feature) => feature.input === input.name)
      .map((feature) => feature.column)
      .sort((a, b) => a - b);
    if (columns.length === 0) issue(["onnx", "inputs"], `ONNX input ${input.name} is fed by no feature`);
    columns.forEach((column, position) => {
      if (column !== position)
        issue(["onnx", "inputs"], `columns of ${input.name} must be 0..${columns.length - 1}`);
    });
  }
  if (!manifest.onnx.outputs.some((output) => output.name === manifest.output.name)) {
    issue(["output", "name"], `no ONNX output named ${manifest.output.name}`);
  }
  if (manifest.task === "binary_classification") {
    if (manifest.output.positive_index === undefined)
      issue(["output", "positive_index"], "required for classification");
    if (manifest.output.threshold === undefined)
      issue(["output", "threshold"], "required for classification");
  }
  if (manifest.task === "multiclass_classification") checkMulticlass(manifest, issue);
  if (manifest.serving?.engine === "compact" && !manifest.serving.compiled) {
    issue(["serving", "compiled"], "required for the compact engine");
  }
  if (manifest.intervals) checkIntervals(manifest.intervals, issue);
  if (manifest.subject_feature && !seen.has(manifest.subject_feature)) {
    issue(["subject_feature"], `unknown feature ${manifest.subject_feature}`);
  }
  if (manifest.catalog) {
    for (const name of [manifest.catalog.key, ...manifest.catalog.features]) {
      if (!seen.has(name)) issue(["catalog"], `catalog names unknown feature ${name}`);
    }
  }
});

type ParsedManifest = z.infer<typeof manifestObjectSchema>;

/** Group and set blocks agree with the edges and with the marginal levels. */
function checkIntervals(
  intervals: Intervals,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const marginal = new Set(intervals.levels.map((level) => level.coverage));
  const groups = intervals.groups;
  const k = groups ? groups.edges.length + 1 : 1;
  if (groups) {
    const path = ["intervals", "groups"];
    if (groups.edges.some((edge, i) => i > 0 && edge <= (groups.edges[i - 1] ?? edge)))
      issue([...path, "edges"], "must ascend");
    if (groups.calibration_rows.length !== k) issue([...path, "calibration_rows"], `needs ${k} entries`);
    if (groups.holdout_rows && groups.holdout_rows.length !== k)
      issue([...path, "holdout_rows"], `needs ${k} entries`);
    groups.levels.forEach((level, index) => {
      if (!marginal.has(level.coverage))
        issue([...path, "levels", index, "coverage"], "not a marginal level");
      if (level.quantiles.length !== k) issue([...path, "levels", index, "quantiles"], `needs ${k} entries`);
      if (level.holdout_coverage && level.holdout_coverage.length !== k)
        issue([...path, "levels", index, "holdout_coverage"], `needs ${k} entries`);
    });
  }
  const sets = intervals.prediction_sets;
  if (sets) {
    const path = ["intervals", "prediction_sets"];
    if (sets.labels.some((label, i) => i > 0 && label <= (sets.labels[i - 1] ?? label)))
      issue([...path, "labels"], "must ascend");
    sets.levels.forEach((level, index) => {
      if (!marginal.has(level.coverage))
        issue([...path, "levels", index, "coverage"], "not a marginal level");
      if (level.thresholds.length !== k)
        issue([...path, "levels", index, "thresholds"], `needs ${k} entries`);
    });
  }
}

/** A multiclass manifest names its classes once and everything else (tensor width, examples, reference) agrees. */
function checkMulticlass(
  manifest: ParsedManifest,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const classes = manifest.output.classes;
  if (!classes) {
    issue(["output", "classes"], "required for multiclass classification");
    return;
  }
  if (new Set(classes).size !== classes.length) issue(["output", "classes"], "must be unique");
  const tensor = manifest.onnx.outputs.find((output) => output.name === manifest.output.name);
  const width = tensor?.shape.at(-1);
  if (typeof width === "number" && width !== classes.length) {
    issue(["output", "classes"], `${classes.length} classes for a probability tensor of width ${width}`);
  }
  manifest.examples.forEach((example, index) => {
    const { label, probabilities } = example.expected;
    if (probabilities?.length !== classes.length) {
      issue(
        ["examples", index, "expected", "probabilities"],
        `needs one probability per class (${classes.length})`,
      );
    }
    if (typeof label !== "string" || !classes.includes(label)) {
      issue(["examples", index, "expected", "label"], "must be one of output.classes");
    }
  });
  const reference = manifest.reference.prediction_classes;
  if (!reference) {
    issue(["reference", "prediction_classes"], "required for multiclass classification");
  } else if (Object.keys(reference.proportions).sort().join("\n") !== [...classes].sort().join("\n")) {
    issue(["reference", "prediction_classes"], "must have one proportion per class in output.classes");
  }
}

export type Manifest = z.infer<typeof manifestSchema>;
