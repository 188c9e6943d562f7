import { z } from "@hono/zod-openapi";
import type { Feature } from "../../contracts/manifest.ts";
import type { DriftFeatureKind } from "./drift-method.ts";
import { DRIFT_DEFAULT_RULES, type DriftMethodChoices } from "./method-choice.ts";
import { appliesTo, DRIFT_METHOD_NAMES, driftMethod, methodsFor } from "./registry.ts";

const choiceSchema = z
  .object({
    method: z.enum(DRIFT_METHOD_NAMES),
    threshold: z.number().gt(0).optional(),
  })
  .strict();

type Choice = z.infer<typeof choiceSchema>;

/** A method's fit for a kind, and a p-value threshold below 1; issues on `method` / `threshold`. */
function checkChoice(
  choice: Choice,
  kind: DriftFeatureKind | null,
  addIssue: (path: string, message: string) => void,
) {
  if (kind && !appliesTo(choice.method, kind)) {
    addIssue(
      "method",
      `${choice.method} does not apply to ${kind} features; use one of ${methodsFor(kind).join(", ")}`,
    );
  }
  if (
    choice.threshold !== undefined &&
    driftMethod(choice.method).judges === "p_value" &&
    choice.threshold >= 1
  ) {
    addIssue("threshold", `${choice.method} is judged on its p-value: the threshold must be below 1`);
  }
}

const kindChoice = (kind: DriftFeatureKind) =>
  choiceSchema.superRefine((choice, ctx) =>
    checkChoice(choice, kind, (path, message) => ctx.addIssue({ code: "custom", path: [path], message })),
  );

/**
 * `drift_methods` of PUT /v1/admin/models/{model}/thresholds. Per-feature choices are checked here for the method
 * names and thresholds, and against the default version's manifest by `featureChoiceIssues` (feature kinds).
 */
export const driftMethodsSchema = z
  .object({
    default_rule: z.enum(DRIFT_DEFAULT_RULES).optional(),
    numeric: kindChoice("numeric").optional(),
    category: kindChoice("category").optional(),
    prediction: kindChoice("prediction").optional(),
    features: z
      .record(
        z.string(),
        choiceSchema.superRefine((choice, ctx) =>
          checkChoice(choice, null, (path, message) =>
            ctx.addIssue({ code: "custom", path: [path], message }),
          ),
        ),
      )
      .optional(),
  })
  .strict()
  .openapi("DriftMethods", {
    description: `Drift method per feature kind and per feature (methods: ${DRIFT_METHOD_NAMES.join(", ")}); replaced as a whole`,
    example: { default_rule: "reference_size", numeric: { method: "wasserstein", threshold: 0.1 } },
  });

interface FieldIssue {
  field: string;
  message: string;
}

/** Per-feature choices against the model's features: the feature must exist and the method fit its kind. */
export function featureChoiceIssues(
  choices: DriftMethodChoices | undefined,
  features: readonly Feature[],
  prefix = "drift_methods",
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, choice] of Object.entries(choices?.features ?? {})) {
    const field = `${prefix}.features.${name}`;
    const feature = features.find((entry) => entry.name === name);
    if (!feature) {
      issues.push({ field, message: `no feature ${name} in the default version's manifest` });
      continue;
    }
    const kind: DriftFeatureKind = feature.kind === "category" ? "category" : "numeric";
    checkChoice(choice, kind, (path, message) => issues.push({ field: `${field}.${path}`, message }));
  }
  return issues;
}
