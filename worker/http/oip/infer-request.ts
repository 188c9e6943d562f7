import type { Context } from "hono";
import type { AppEnv } from "../../platform/env.ts";
import { problems, zodFieldErrors } from "../../problems/index.ts";
import { decodeBinaryInputs, HEADER_LENGTH_HEADER, type ResponseTensor, splitBody } from "./binary-codec.ts";
import { type InferRequest, inferRequestSchema } from "./infer-schema.ts";

/**
 * Content types an infer body may carry. tritonclient sends none; others send JSON ones; a binary body is
 * application/octet-stream. Anything naming another format (a form, XML, HTML) is refused with 415.
 */
const ACCEPTED = /^(application\/([\w.-]+\+)?json|text\/json|text\/plain|application\/octet-stream)$/;

function requireInferContentType(contentType: string | undefined): void {
  if (!contentType) return;
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (ACCEPTED.test(essence)) return;
  throw problems.unsupportedMediaType(
    essence,
    `Content-Type ${essence || "(empty)"} is not an inference body; send JSON (application/json or none), ` +
      "or application/octet-stream with Inference-Header-Content-Length for binary tensors.",
  );
}

type DecodedInferRequest = Omit<InferRequest, "inputs"> & {
  inputs: Array<InferRequest["inputs"][number] & { data: unknown[] }>;
};

/** Reads, frames, parses, validates and binary-decodes one infer body. */
export async function readInferRequest(c: Context<AppEnv>): Promise<DecodedInferRequest> {
  requireInferContentType(c.req.header("content-type"));
  const body = new Uint8Array(await c.req.arrayBuffer());
  const { json, binary } = splitBody(body, c.req.header(HEADER_LENGTH_HEADER));
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw problems.malformedJson(
      "Malformed JSON in request body (or in its Inference-Header-Content-Length bytes).",
    );
  }
  const result = inferRequestSchema.safeParse(parsed);
  if (!result.success) throw problems.validation(zodFieldErrors(result.error));
  const inputs = decodeBinaryInputs(result.data.inputs, binary) as DecodedInferRequest["inputs"];
  return { ...result.data, inputs };
}

/** Whether an output goes back as raw bytes: its own `binary_data`, else the request's `binary_data_output`. */
export function binaryOutputChooser(request: InferRequest): (output: ResponseTensor) => boolean {
  const fallback = request.parameters?.binary_data_output === true;
  const perOutput = new Map(
    (request.outputs ?? []).map((output) => [output.name, output.parameters?.binary_data]),
  );
  return (output) => {
    const own = perOutput.get(output.name);
    return typeof own === "boolean" ? own : fallback;
  };
}
