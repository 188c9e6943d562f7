import { type CompactSession, openCompiled } from "../engine/index.ts";
import type { ModelEngine } from "./model-engine.ts";

/** Wraps a compact session (synchronous, plain typed arrays) as a ModelEngine. */
function compactEngine(session: CompactSession): ModelEngine {
  return {
    kind: "compact",
    inputs: session.inputs,
    inputNames: session.inputs.map((input) => input.name),
    outputNames: session.outputs.map((output) => output.name),
    budgetBytes: session.retainedBytes,
    run: async (feeds, outputNames) => session.run(feeds, outputNames),
    // Typed arrays only: the garbage collector reclaims them once the cache lets go.
    release: async () => undefined,
  };
}

/** Opens a compiled artifact; throws the engine's InvalidModelError for a bad header or layout. */
export function openCompactEngine(compiled: Uint8Array): ModelEngine {
  return compactEngine(openCompiled(compiled));
}
