import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import * as ort from "onnxruntime-web/wasm";

export { ort };

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
// With a binary "provided" and one thread, ORT uses its embedded Emscripten glue: no import(), no fetch.
ort.env.wasm.wasmBinary = new Uint8Array(1);
ort.env.logLevel = "error";

let wasmMemory: WebAssembly.Memory | undefined;

// The threaded build imports its memory; other builds export it.
const findMemory = (namespace: object): WebAssembly.Memory | undefined =>
  Object.values(namespace).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
let backendReady: Promise<void> | undefined;
let backendInitialised = false;

/**
 * Workers forbid compiling WebAssembly from bytes, and ORT 1.30 offers no instantiateWasm hook, so while the
 * backend initialises we route `WebAssembly.instantiate(bytes, imports)` to the module wrangler precompiled.
 * The first session creation is serialised so concurrent cold requests never nest the patch.
 */
async function createWithPrecompiledWasm(model: Uint8Array): Promise<ort.InferenceSession> {
  const original = WebAssembly.instantiate;
  const patched = (async (source: unknown, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return original(source, imports);
    const instance = await original(ortWasm, imports);
    wasmMemory =
      findMemory(instance.exports) ??
      Object.values(imports ?? {})
        .map(findMemory)
        .find(Boolean);
    return { instance, module: ortWasm };
  }) as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = patched;
  try {
    return await ort.InferenceSession.create(model, sessionOptions);
  } finally {
    WebAssembly.instantiate = original;
  }
}

const sessionOptions: ort.InferenceSession.SessionOptions = {
  executionProviders: ["wasm"],
  graphOptimizationLevel: "all",
};

/** Creates an ORT session; the first call in an isolate also boots the WASM backend. */
export async function createSession(model: Uint8Array): Promise<ort.InferenceSession> {
  if (backendInitialised) return ort.InferenceSession.create(model, sessionOptions);
  if (!backendReady) {
    const first = createWithPrecompiledWasm(model);
    backendReady = first.then(
      () => {
        backendInitialised = true;
      },
      () => {
        // A corrupt first model must not wedge the isolate: the next caller retries the boot.
        backendReady = undefined;
      },
    );
    return first;
  }
  await backendReady;
  return createSession(model);
}

/** Current size of ORT's WebAssembly heap (it grows, never shrinks); 0 before the backend boots. */
export function wasmHeapBytes(): number {
  return wasmMemory?.buffer.byteLength ?? 0;
}
