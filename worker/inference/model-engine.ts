import type { Manifest } from "../contracts/manifest.ts";
import type { EngineTensor, TensorInfo } from "../engine/index.ts";
import type { EngineName } from "../vocabulary/index.ts";

export type { EngineTensor, TensorInfo };

/**
 * A loaded model, whatever runs it: the compact engine (worker/engine, a compiled flat form) or
 * onnxruntime-web (WASM, only for graphs outside the compact set). Feeds and results are engine-neutral.
 */
export interface ModelEngine {
  readonly kind: EngineName;
  readonly inputs: readonly TensorInfo[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** What the session cache budgets for this session: retained bytes (compact) or the ORT heap estimate. */
  readonly budgetBytes: number;
  run(
    feeds: Record<string, EngineTensor>,
    outputNames: readonly string[],
  ): Promise<Record<string, EngineTensor>>;
  release(): Promise<void>;
}

/** A stable, documented name of the engine for the Open Inference Protocol's `platform`. */
export function enginePlatform(kind: EngineName): string {
  return kind === "compact" ? "edge_compact" : "onnxruntime_onnx";
}

/** The engine serving a version; a version published before engines were recorded was verified with ORT. */
export function servingEngine(manifest: Pick<Manifest, "serving">): EngineName {
  return manifest.serving?.engine ?? "onnxruntime-web";
}
