import type { Serving } from "../contracts/manifest.ts";
import {
  compileOnnx,
  type GraphIssue,
  InvalidModelError,
  inspectOnnx,
  openCompiled,
  UnsafeGraphError,
  UnsupportedGraphError,
} from "../engine/index.ts";
import { sha256Hex } from "../platform/digest.ts";
import { DomainError, PROBLEMS, problems } from "../problems/index.ts";
import type { EngineChoice } from "../vocabulary/index.ts";
import {
  MAX_ORT_ARTIFACT_BYTES,
  MAX_SESSION_BYTES,
  ORT_HEAP_BYTES_PER_ARTIFACT_BYTE,
  SESSION_BUDGET_BYTES,
} from "./edge-limits.ts";

export interface ServingPlan {
  serving: Serving;
  /** The compiled form to store beside model.onnx (compact only). */
  compiled: Uint8Array | null;
  /** Operators/attributes outside the compact set (empty when the compact engine can run the graph). */
  unsupported: GraphIssue[];
}

interface ServingOptions {
  requested: EngineChoice;
  /** Whether this build bundles onnxruntime-web (the lean build does not). */
  ortInBuild: boolean;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

const issueText = (issue: GraphIssue) =>
  `node ${issue.node || "<unnamed>"} (${issue.domain || "ai.onnx"}.${issue.op}${issue.attribute ? `, attribute ${issue.attribute}` : ""}): ${issue.message}`;

const refuse = (
  problem: typeof PROBLEMS.graphUnsafe | typeof PROBLEMS.engineUnsupported,
  issues: readonly GraphIssue[],
  reason: string,
) => problems.graphRefused(problem, issues, issues.map(issueText), reason);

const invalid = (error: unknown) =>
  problems.onnxUnreadable(error instanceof Error ? error.message : String(error));

const unsafe = (issues: readonly GraphIssue[]) =>
  refuse(
    PROBLEMS.graphUnsafe,
    issues,
    "Refused for every engine: a request could make the isolate allocate without bound",
  );

function ortPlan(bytes: Uint8Array, unsupported: GraphIssue[], options: ServingOptions): ServingPlan {
  const why = unsupported.length
    ? `the compact engine cannot run it (${unsupported.slice(0, 3).map(issueText).join("; ")})`
    : "onnxruntime-web was requested";
  if (!options.ortInBuild) {
    if (options.requested === "onnxruntime-web")
      throw problems.engineNotInBuild(
        "engine=onnxruntime-web was requested, but this deployment is the lean build without onnxruntime-web.",
        [{ field: "engine", message: "onnxruntime-web is not in this build" }],
      );
    throw refuse(
      PROBLEMS.engineUnsupported,
      unsupported,
      "The compact engine cannot run this graph and this build has no onnxruntime-web",
    );
  }
  if (bytes.byteLength > MAX_ORT_ARTIFACT_BYTES) {
    throw problems.artifactOverOrtBudget(
      `${bytes.byteLength} bytes (${mib(bytes.byteLength)}) exceeds the ${MAX_ORT_ARTIFACT_BYTES}-byte (${mib(MAX_ORT_ARTIFACT_BYTES)}) limit for onnxruntime-web, whose heap takes ~${ORT_HEAP_BYTES_PER_ARTIFACT_BYTE}x the artifact (${mib(bytes.byteLength * ORT_HEAP_BYTES_PER_ARTIFACT_BYTE)}) against a per-session share of ${mib(MAX_SESSION_BYTES)}; ${why}`,
    );
  }
  return { serving: { engine: "onnxruntime-web" }, compiled: null, unsupported };
}

async function compactPlan(compiled: Uint8Array): Promise<ServingPlan> {
  const session = openCompiled(compiled);
  if (session.retainedBytes > MAX_SESSION_BYTES) {
    throw problems.sessionTooLarge(
      `the compiled session retains ${session.retainedBytes} bytes (${mib(session.retainedBytes)}, ${session.treeNodes} tree nodes); one session may use at most ${MAX_SESSION_BYTES} bytes (${mib(MAX_SESSION_BYTES)}), a third of the isolate's ${mib(SESSION_BUDGET_BYTES)} session budget`,
    );
  }
  return {
    serving: {
      engine: "compact",
      compiled: {
        format_version: session.formatVersion,
        sha256: await sha256Hex(compiled),
        bytes: compiled.byteLength,
        retained_bytes: session.retainedBytes,
        tree_nodes: session.treeNodes,
      },
    },
    compiled,
    unsupported: [],
  };
}

/**
 * Chooses the engine of a version from its ONNX graph: refused for every engine when memory depends on an
 * input value; the compact engine when every operator is in its set (compiled once, here); otherwise
 * onnxruntime-web when this build has it; otherwise a 422 naming every unsupported operator/attribute.
 * `requested` forces one engine (still refusing an unsafe graph or one the forced engine cannot run).
 */
export async function planServing(bytes: Uint8Array, options: ServingOptions): Promise<ServingPlan> {
  let compileIssues: GraphIssue[] = [];
  if (options.requested !== "onnxruntime-web") {
    try {
      // One parse in the common case: a successful compile means the graph is in the set and memory-safe.
      return await compactPlan(compileOnnx(bytes));
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof InvalidModelError) throw invalid(error);
      if (error instanceof UnsafeGraphError) throw unsafe(error.issues);
      if (!(error instanceof UnsupportedGraphError)) throw error;
      compileIssues = error.issues;
    }
  }
  let inspection: ReturnType<typeof inspectOnnx>;
  try {
    inspection = inspectOnnx(bytes);
  } catch (error) {
    if (error instanceof InvalidModelError) throw invalid(error);
    throw error;
  }
  if (inspection.valueDependentMemory.length > 0) throw unsafe(inspection.valueDependentMemory);
  const unsupported = inspection.unsupported.length > 0 ? inspection.unsupported : compileIssues;
  if (options.requested === "compact") {
    throw refuse(
      PROBLEMS.engineUnsupported,
      unsupported,
      "engine=compact was requested, but the compact engine cannot run this graph",
    );
  }
  return ortPlan(bytes, unsupported, options);
}
