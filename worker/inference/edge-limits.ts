import limits from "../../schemas/edge-limits.json";

/**
 * The edge memory and size budget, shared with training (schemas/edge-limits.json is the only source).
 * Sessions of one isolate share SESSION_BUDGET_BYTES beside the JS heap; one session may take at most
 * MAX_SESSION_BYTES of it, so an A/B split over several versions never thrashes a single huge one.
 */
export const SESSION_BUDGET_BYTES: number = limits.session_budget_bytes;
const MAX_SESSION_SHARE: number = limits.max_session_share;
export const MAX_SESSION_BYTES: number = Math.floor(SESSION_BUDGET_BYTES * MAX_SESSION_SHARE);
/** The largest model.onnx publish accepts for any engine (the compact engine's upload cap). */
export const MAX_ONNX_ARTIFACT_BYTES: number = limits.max_onnx_artifact_bytes;
/** ORT-web's WASM heap measured 10-13x a tree ensemble's artifact while loading; sessions are budgeted at this. */
export const ORT_HEAP_BYTES_PER_ARTIFACT_BYTE: number = limits.ort_heap_bytes_per_artifact_byte;
/** The largest model.onnx served by onnxruntime-web (its heap estimate must fit MAX_SESSION_BYTES). */
export const MAX_ORT_ARTIFACT_BYTES: number = limits.max_ort_artifact_bytes;
export const MAX_COMPACT_BYTES_PER_TREE_NODE: number = limits.max_compact_bytes_per_tree_node;
