import { treeEnsembleOperators } from "../trees/tree-ensemble-ops.ts";
import { castAndConstantOperators } from "./cast-and-constant.ts";
import { dataMovementOperators } from "./data-movement.ts";
import { binaryOperators } from "./elementwise-binary.ts";
import { unaryOperators } from "./elementwise-unary.ts";
import { mathOperators } from "./math-ops.ts";
import { labelEncoderOperators } from "./ml-label-encoder.ts";
import { linearOperators } from "./ml-linear.ts";
import { preprocessingOperators } from "./ml-preprocessing.ts";
import type { OpDefinition } from "./op-types.ts";
import { shapeOperators } from "./shape-ops.ts";
import { variadicOperators } from "./variadic.ts";

/** Every operator the compact engine runs, keyed "domain:op". */
export const OPERATORS: readonly OpDefinition[] = [
  ...binaryOperators,
  ...unaryOperators,
  ...variadicOperators,
  ...shapeOperators,
  ...dataMovementOperators,
  ...castAndConstantOperators,
  ...mathOperators,
  ...preprocessingOperators,
  ...labelEncoderOperators,
  ...linearOperators,
  ...treeEnsembleOperators,
];

const byKey = new Map(OPERATORS.map((definition) => [`${definition.domain}:${definition.op}`, definition]));

export function operatorKey(domain: string, op: string): string {
  return `${domain}:${op}`;
}

export function findOperator(domain: string, op: string): OpDefinition | undefined {
  return byKey.get(operatorKey(domain, op));
}
