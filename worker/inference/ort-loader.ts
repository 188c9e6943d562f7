import type { ModelEngine } from "./model-engine.ts";

export interface OrtEngineModule {
  readonly ortInBuild: boolean;
  openOrtEngine(model: Uint8Array): Promise<ModelEngine>;
}

export type OrtLoader = () => Promise<OrtEngineModule>;

let requested = false;

/** Whether anything in this isolate has asked for onnxruntime-web (compact-only serving never does). */
export const ortRequested = (): boolean => requested;

/**
 * Loads the onnxruntime-web adapter on first need. The specifier "./ort-engine.ts" is what the lean build's
 * wrangler `alias` replaces with ./ort-engine-absent.ts: keep it exactly this string, in this file only.
 */
export const loadOrtEngine: OrtLoader = () => {
  requested = true;
  return import("./ort-engine.ts");
};
