import type { Manifest } from "../contracts/manifest.ts";
import type { EngineTensor, TensorInfo } from "../engine/index.ts";

export type { EngineTensor, TensorInfo };

/** The engines a version can be served by; recorded per version at publish. */
export const ENGINE_KINDS = ["compact", "onnxruntime-web"] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * A loaded model, whatever runs it: the compact engine (worker/engine, a compiled flat form) or
 * onnxruntime-web (WASM, only for graphs outside the compact set). Feeds and results are engine-neutral.
 */
export interface ModelEngine {
  readonly kind: EngineKind;
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
export function enginePlatform(kind: EngineKind): string {
  return kind === "compact" ? "edge_compact" : "onnxruntime_onnx";
}

/** The engine serving a version; a version published before engines were recorded was verified with ORT. */
export function servingEngine(manifest: Pick<Manifest, "serving">): EngineKind {
  return manifest.serving?.engine ?? "onnxruntime-web";
}
