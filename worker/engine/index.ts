export { compileOnnx } from "./compile.ts";
export { COMPACT_FORMAT_VERSION, compiledFormatVersion } from "./compiled/compiled-format.ts";
export {
  EngineInputError,
  type GraphIssue,
  InvalidModelError,
  UnsafeGraphError,
  UnsupportedGraphError,
} from "./errors.ts";
export { inspectOnnx } from "./inspect.ts";
export { type CompactSession, openCompiled } from "./session.ts";
export type { EngineTensor, EngineTensorType, TensorInfo } from "./tensor.ts";
