/**
 * Conformance runner: holds the compact engine (worker/engine) to Python onnxruntime.
 *
 *   npx tsx scripts/engine/conformance-runner.ts <cases-dir> [--report <file>]
 *
 * Reads the cases written by `python -m edge_training.conformance <cases-dir>` (index.json, and per case
 * model.onnx + case.json; the format is described in scripts/training/edge_training/conformance/cases.py),
 * runs each through compileOnnx -> openCompiled -> run and compares every output with onnxruntime's:
 * floats within ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * |expected| (NaN must meet NaN, an infinity the same
 * infinity), labels and other non-float outputs identical, dims identical. Refusal cases must be refused with
 * the right error naming the op. Prints a JSON report; exits 1 on any failure, 2 on unusable arguments.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CompactSession,
  compileOnnx,
  EngineInputError,
  type EngineTensor,
  type EngineTensorType,
  inspectOnnx,
  openCompiled,
  UnsafeGraphError,
  UnsupportedGraphError,
} from "../../worker/engine/index.ts";

const ABSOLUTE_TOLERANCE = 1e-5;
/**
 * 2^-20 (~1e-6, about 8 float32 ulps): onnxruntime computes in float32, so once |expected| passes ~10 an absolute
 * 1e-5 is within one or two ulps and any legitimate difference in summation order fails it; extreme inputs
 * (1e30, 3.4e38) give outputs whose ulp alone is far above 1e-5. Below |expected| = 1 (probabilities) the
 * relative term adds at most 1e-6. The report counts the values that passed only thanks to it.
 */
const RELATIVE_TOLERANCE = 2 ** -20;
const DETAILS_PER_OUTPUT = 5;

type JsonScalar = number | string | boolean;
interface JsonTensor {
  type: EngineTensorType;
  dims: number[];
  data: JsonScalar[];
}
interface CaseBatch {
  kind: string;
  rows: number;
  feeds: Record<string, JsonTensor>;
  expected?: Record<string, JsonTensor>;
  expected_error?: string;
}
interface CaseFile {
  id: string;
  family: string;
  name: string;
  /** match_or_unsupported: an attribute converters never emit; refusing it at compile is also conforming. */
  expect: "match" | "match_or_unsupported" | "unsupported" | "value_dependent_memory";
  model: string;
  op?: string;
  ops?: string[];
  batches?: CaseBatch[];
}
interface IndexFile {
  families: string[];
  cases: { id: string; family: string; expect: string }[];
}

interface Failure {
  case: string;
  family: string;
  stage: "inspect" | "compile" | "open" | "run" | "compare" | "refuse";
  kind?: string;
  output?: string;
  message: string;
  details?: unknown[];
}
interface FamilyReport {
  cases: number;
  batches: number;
  rows: number;
  values: number;
  maxAbsError: number;
  maxAbsErrorAt: string | null;
  relativeOnlyPasses: number;
  labelMismatches: number;
  treeNodes: number;
  compiledBytes: number;
  retainedBytes: number;
  compileMs: number;
  runMs: number;
  /** lenient cases the engine refused (UnsupportedGraphError) instead of running */
  refusedUnsupported: { case: string; issues: unknown[] }[];
  failures: Failure[];
}
interface RefusalReport {
  case: string;
  expect: string;
  op: string;
  ok: boolean;
  error: string | null;
  issues: unknown[];
}

function decodeFloat(value: JsonScalar): number {
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return value as number;
}

function decodeTensor(tensor: JsonTensor): EngineTensor {
  const { type, dims, data } = tensor;
  switch (type) {
    case "float32":
      return { type, dims, data: Float32Array.from(data, decodeFloat) };
    case "float64":
      return { type, dims, data: Float64Array.from(data, decodeFloat) };
    case "int64":
      return { type, dims, data: BigInt64Array.from(data, (v) => BigInt(v as string)) };
    case "int32":
      return { type, dims, data: Int32Array.from(data, (v) => Number(v)) };
    case "bool":
      return { type, dims, data: Uint8Array.from(data, (v) => (v ? 1 : 0)) };
    case "string":
      return { type, dims, data: data.map(String) };
  }
}

function emptyFamily(): FamilyReport {
  return {
    cases: 0,
    batches: 0,
    rows: 0,
    values: 0,
    maxAbsError: 0,
    maxAbsErrorAt: null,
    relativeOnlyPasses: 0,
    labelMismatches: 0,
    treeNodes: 0,
    compiledBytes: 0,
    retainedBytes: 0,
    compileMs: 0,
    runMs: 0,
    refusedUnsupported: [],
    failures: [],
  };
}

function describeError(error: unknown): { name: string; message: string; issues: unknown[] } {
  if (error instanceof Error) {
    const issues = (error as { issues?: unknown[] }).issues ?? [];
    return { name: error.constructor.name, message: error.message, issues };
  }
  return { name: typeof error, message: String(error), issues: [] };
}

function showFloat(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

function rowOf(feeds: Record<string, JsonTensor>, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const width = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
    out[name] = tensor.data.slice(row * width, (row + 1) * width);
  }
  return out;
}

/** Compares one output; records errors on the family, returns the failure (if any). */
function compareOutput(
  family: FamilyReport,
  where: string,
  name: string,
  expected: EngineTensor,
  got: EngineTensor | undefined,
  feeds: Record<string, JsonTensor>,
): Omit<Failure, "case" | "family" | "stage" | "kind"> | null {
  if (!got) return { output: name, message: "output missing from the engine's result" };
  if (got.type !== expected.type) {
    return { output: name, message: `type ${got.type}, onnxruntime gives ${expected.type}` };
  }
  if (got.dims.length !== expected.dims.length || got.dims.some((d, i) => d !== expected.dims[i])) {
    return { output: name, message: `dims [${got.dims}], onnxruntime gives [${expected.dims}]` };
  }
  const count = expected.data.length;
  if (got.data.length !== count) {
    return { output: name, message: `${got.data.length} values, onnxruntime gives ${count}` };
  }
  const width = expected.dims.slice(1).reduce((a, b) => a * b, 1) || 1;
  const details: unknown[] = [];
  let mismatches = 0;
  family.values += count;
  const isFloat = expected.type === "float32" || expected.type === "float64";
  for (let i = 0; i < count; i++) {
    const e = expected.data[i] as number | bigint | string;
    const g = got.data[i] as number | bigint | string;
    let ok: boolean;
    if (isFloat) {
      const ef = e as number;
      const gf = g as number;
      if (Number.isNaN(ef) || !Number.isFinite(ef))
        ok = Object.is(ef, gf) || (Number.isNaN(ef) && Number.isNaN(gf));
      else if (!Number.isFinite(gf)) ok = false;
      else {
        const error = Math.abs(gf - ef);
        ok = error <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(ef);
        if (ok && error > ABSOLUTE_TOLERANCE) family.relativeOnlyPasses++;
        if (error > family.maxAbsError) {
          family.maxAbsError = error;
          family.maxAbsErrorAt = `${where} ${name}[${Math.floor(i / width)},${i % width}]`;
        }
      }
    } else {
      ok = e === g;
      if (!ok) family.labelMismatches++;
    }
    if (!ok) {
      mismatches++;
      if (details.length < DETAILS_PER_OUTPUT) {
        const row = Math.floor(i / width);
        details.push({
          row,
          column: i % width,
          expected: isFloat ? showFloat(e as number) : String(e),
          got: isFloat ? showFloat(g as number) : String(g),
          inputs: rowOf(feeds, row),
        });
      }
    }
  }
  if (mismatches === 0) return null;
  return { output: name, message: `${mismatches} of ${count} values differ from onnxruntime`, details };
}

function runMatchCase(
  dir: string,
  file: CaseFile,
  family: FamilyReport,
  kinds: Record<string, number>,
): void {
  const where = join(dir, file.id);
  const fail = (failure: Omit<Failure, "case" | "family">) =>
    family.failures.push({ case: join(where, "case.json"), family: file.family, ...failure });
  const onnx = new Uint8Array(readFileSync(join(where, file.model)));
  const lenient = file.expect === "match_or_unsupported";
  try {
    const inspection = inspectOnnx(onnx);
    if (lenient && inspection.unsupported.length > 0 && inspection.valueDependentMemory.length === 0) {
      try {
        compileOnnx(onnx);
        fail({
          stage: "compile",
          message: "inspectOnnx lists unsupported parts but compileOnnx accepted the graph",
        });
      } catch (error) {
        if (error instanceof UnsupportedGraphError) {
          family.refusedUnsupported.push({ case: file.id, issues: error.issues });
        } else fail({ stage: "compile", message: JSON.stringify(describeError(error)) });
      }
      return;
    }
    if (inspection.unsupported.length > 0 || inspection.valueDependentMemory.length > 0) {
      fail({
        stage: "inspect",
        message: "inspectOnnx refuses a graph of a supported family",
        details: [...inspection.unsupported, ...inspection.valueDependentMemory],
      });
      return;
    }
  } catch (error) {
    fail({ stage: "inspect", message: JSON.stringify(describeError(error)) });
    return;
  }
  let compiled: Uint8Array;
  const compileStart = performance.now();
  try {
    compiled = compileOnnx(onnx);
  } catch (error) {
    const { name, message, issues } = describeError(error);
    fail({ stage: "compile", message: `${name}: ${message}`, details: issues });
    return;
  }
  family.compileMs += performance.now() - compileStart;
  // compiled forms are sha256-addressed in R2: the same ONNX must always compile to the same bytes
  const again = compileOnnx(onnx);
  if (again.byteLength !== compiled.byteLength || again.some((byte, i) => byte !== compiled[i])) {
    fail({ stage: "compile", message: "compileOnnx is not deterministic: two compilations differ" });
  }
  let session: CompactSession;
  try {
    session = openCompiled(compiled);
  } catch (error) {
    const { name, message } = describeError(error);
    fail({ stage: "open", message: `${name}: ${message}` });
    return;
  }
  family.compiledBytes += compiled.byteLength;
  family.retainedBytes += session.retainedBytes;
  family.treeNodes += session.treeNodes;
  for (const batch of file.batches ?? []) {
    family.batches++;
    family.rows += batch.rows;
    kinds[batch.kind] = (kinds[batch.kind] ?? 0) + batch.rows;
    const feeds: Record<string, EngineTensor> = {};
    for (const [name, tensor] of Object.entries(batch.feeds)) feeds[name] = decodeTensor(tensor);
    let result: Record<string, EngineTensor>;
    const runStart = performance.now();
    try {
      result = session.run(feeds);
    } catch (error) {
      if (batch.expected_error !== undefined) continue; // onnxruntime refused these rows too
      const { name, message } = describeError(error);
      fail({ stage: "run", kind: batch.kind, message: `${name}: ${message}` });
      continue;
    } finally {
      family.runMs += performance.now() - runStart;
    }
    if (batch.expected_error !== undefined) {
      fail({
        stage: "run",
        kind: batch.kind,
        message: `onnxruntime fails these rows ("${batch.expected_error}"); the engine answered`,
      });
      continue;
    }
    if (batch.kind === "in_range") checkOutputSubsets(session, feeds, batch, family, fail);
    if (batch.kind === "single_row") checkBadFeeds(session, feeds, fail);
    for (const [name, tensor] of Object.entries(batch.expected ?? {})) {
      const failure = compareOutput(
        family,
        `${file.id}/${batch.kind}`,
        name,
        decodeTensor(tensor),
        result[name],
        batch.feeds,
      );
      if (failure) fail({ stage: "compare", kind: batch.kind, ...failure });
    }
  }
}

/** run(feeds, [one output]) must give that output alone, equal to onnxruntime's. */
function checkOutputSubsets(
  session: CompactSession,
  feeds: Record<string, EngineTensor>,
  batch: CaseBatch,
  family: FamilyReport,
  fail: (failure: Omit<Failure, "case" | "family">) => void,
): void {
  for (const [name, tensor] of Object.entries(batch.expected ?? {})) {
    let result: Record<string, EngineTensor>;
    try {
      result = session.run(feeds, [name]);
    } catch (error) {
      const { name: errorName, message } = describeError(error);
      fail({ stage: "run", kind: "output_subset", output: name, message: `${errorName}: ${message}` });
      continue;
    }
    const extra = Object.keys(result).filter((key) => key !== name);
    if (extra.length > 0) {
      fail({
        stage: "run",
        kind: "output_subset",
        output: name,
        message: `also returned ${extra.join(", ")}`,
      });
    }
    const failure = compareOutput(
      family,
      "output_subset",
      name,
      decodeTensor(tensor),
      result[name],
      batch.feeds,
    );
    if (failure) fail({ stage: "compare", kind: "output_subset", ...failure });
  }
}

/** Feeds onnxruntime would reject (missing input, wrong element type, wrong rank) must throw EngineInputError. */
function checkBadFeeds(
  session: CompactSession,
  feeds: Record<string, EngineTensor>,
  fail: (failure: Omit<Failure, "case" | "family">) => void,
): void {
  const [name, tensor] = Object.entries(feeds)[0] ?? [];
  if (!name || !tensor) return;
  const wrongType: EngineTensor =
    tensor.type === "string"
      ? { type: "float32", dims: tensor.dims, data: new Float32Array(tensor.data.length) }
      : { type: "string", dims: tensor.dims, data: Array.from({ length: tensor.data.length }, () => "1") };
  const bad: [string, Record<string, EngineTensor>][] = [
    ["missing input", Object.fromEntries(Object.entries(feeds).filter(([key]) => key !== name))],
    ["wrong element type", { ...feeds, [name]: wrongType }],
    ["wrong rank", { ...feeds, [name]: { ...tensor, dims: [...tensor.dims, 1] } }],
  ];
  for (const [what, badFeeds] of bad) {
    try {
      session.run(badFeeds);
      fail({ stage: "run", kind: "bad_feeds", message: `${what} (${name}) was accepted` });
    } catch (error) {
      if (!(error instanceof EngineInputError) || error.input !== name) {
        const { name: errorName, message } = describeError(error);
        fail({ stage: "run", kind: "bad_feeds", message: `${what} (${name}): ${errorName}: ${message}` });
      }
    }
  }
}

function namesOp(issues: readonly { op?: string }[], op: string): boolean {
  return issues.some((issue) => issue.op === op);
}

function runRefusalCase(dir: string, file: CaseFile): RefusalReport {
  const onnx = new Uint8Array(readFileSync(join(dir, file.id, file.model)));
  const op = file.op ?? "";
  const report: RefusalReport = {
    case: file.id,
    expect: file.expect,
    op,
    ok: false,
    error: null,
    issues: [],
  };
  let inspected = false;
  try {
    const inspection = inspectOnnx(onnx);
    inspected =
      file.expect === "unsupported"
        ? namesOp(inspection.unsupported, op)
        : namesOp(inspection.valueDependentMemory, op);
  } catch (error) {
    report.error = `inspectOnnx threw ${describeError(error).name}`;
    return report;
  }
  try {
    compileOnnx(onnx);
    report.error = "compileOnnx accepted the graph";
  } catch (error) {
    const { name, issues } = describeError(error);
    report.error = name;
    report.issues = issues;
    const wanted = file.expect === "unsupported" ? UnsupportedGraphError : UnsafeGraphError;
    const typed = error instanceof wanted;
    report.ok = inspected && typed && namesOp(issues as { op?: string }[], op);
  }
  return report;
}

function main(): number {
  const args = process.argv.slice(2);
  const reportIndex = args.indexOf("--report");
  const reportPath = reportIndex >= 0 ? args[reportIndex + 1] : undefined;
  const dir = args.find((arg, i) => !arg.startsWith("--") && (reportIndex < 0 || i !== reportIndex + 1));
  if (!dir) {
    console.error("usage: npx tsx scripts/engine/conformance-runner.ts <cases-dir> [--report <file>]");
    return 2;
  }
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as IndexFile;
  const started = performance.now();
  const families: Record<string, FamilyReport> = {};
  const kinds: Record<string, number> = {};
  const refusals: RefusalReport[] = [];
  for (const entry of index.cases) {
    const file = JSON.parse(readFileSync(join(dir, entry.id, "case.json"), "utf8")) as CaseFile;
    if (file.expect !== "match" && file.expect !== "match_or_unsupported") {
      refusals.push(runRefusalCase(dir, file));
      continue;
    }
    families[file.family] ??= emptyFamily();
    const family = families[file.family] as FamilyReport;
    family.cases++;
    runMatchCase(dir, file, family, kinds);
  }
  const failures = Object.values(families).reduce((n, f) => n + f.failures.length, 0);
  const refusalFailures = refusals.filter((r) => !r.ok).length;
  for (const family of Object.values(families)) {
    family.compileMs = Math.round(family.compileMs);
    family.runMs = Math.round(family.runMs);
  }
  const report = {
    ok: failures === 0 && refusalFailures === 0,
    tolerance: { absolute: ABSOLUTE_TOLERANCE, relative: RELATIVE_TOLERANCE },
    totals: {
      cases: Object.values(families).reduce((n, f) => n + f.cases, 0),
      rows: Object.values(families).reduce((n, f) => n + f.rows, 0),
      failures,
      refusalFailures,
      ms: Math.round(performance.now() - started),
    },
    families,
    kinds,
    refusals,
  };
  const text = JSON.stringify(report, null, 1);
  if (reportPath) writeFileSync(reportPath, text);
  console.log(text);
  return report.ok ? 0 : 1;
}

process.exitCode = main();
