import { chiSquareMethod } from "./chi-square-method.ts";
import type { DriftFeatureKind, DriftMethod } from "./drift-method.ts";
import { jensenShannonMethod } from "./jensen-shannon-method.ts";
import { ksMethod } from "./ks-method.ts";
import { psiMethod } from "./psi-method.ts";
import { wassersteinMethod } from "./wasserstein-method.ts";

/** Every drift method a model may name. Adding one: its own file, and one line here. */
const METHODS = [psiMethod, ksMethod, chiSquareMethod, wassersteinMethod, jensenShannonMethod] as const;

export type DriftMethodName = (typeof METHODS)[number]["name"];

export const DRIFT_METHOD_NAMES = METHODS.map((method) => method.name) as [
  DriftMethodName,
  ...DriftMethodName[],
];

const BY_NAME: ReadonlyMap<string, DriftMethod> = new Map(METHODS.map((method) => [method.name, method]));

export function driftMethod(name: DriftMethodName): DriftMethod {
  return BY_NAME.get(name) as DriftMethod;
}

export function appliesTo(name: DriftMethodName, kind: DriftFeatureKind): boolean {
  return driftMethod(name).kinds.includes(kind);
}

/** The names of the methods that may judge `kind`, for error messages and docs. */
export const methodsFor = (kind: DriftFeatureKind): DriftMethodName[] =>
  DRIFT_METHOD_NAMES.filter((name) => appliesTo(name, kind));
