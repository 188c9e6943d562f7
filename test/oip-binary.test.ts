/**
 * Open Inference Protocol v2 for real clients: bodies without Content-Type, the binary tensor data extension
 * (codec and framing errors through SELF.fetch), the model repository index and version readiness that loads
 * the version's engine session.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import { decodeBinaryInputs, encodeResponse, encodeTensor } from "../worker/http/oip/binary-codec.ts";
import { artifactKey, manifestKey } from "../worker/repository/registry-keys.ts";
import { withVersion, writeModelRecord } from "../worker/repository/registry-writer.ts";
import { BASE, expectProblemJson } from "./support/http.ts";
import { CREDIT_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels, shippedDefaults, shippedVersion } from "./support/shipped-models.ts";

interface Problem {
  status: number;
  error: string;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}
interface InferResponse {
  model_name: string;
  model_version: string;
  outputs: OutputTensor[];
}

const INFER = "/v2/models/kredipusula/infer";
const enc = new TextEncoder();

/** Little-endian bytes of values in one datatype (what numpy's tobytes() gives a tritonclient). */
function raw(datatype: "FP32" | "FP64" | "INT32" | "INT64" | "BOOL", values: number[]): Uint8Array {
  const width = { FP32: 4, FP64: 8, INT32: 4, INT64: 8, BOOL: 1 }[datatype];
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => {
    if (datatype === "FP32") view.setFloat32(i * width, value, true);
    else if (datatype === "FP64") view.setFloat64(i * width, value, true);
    else if (datatype === "INT32") view.setInt32(i * width, value, true);
    else if (datatype === "INT64") view.setBigInt64(i * width, BigInt(value), true);
    else view.setUint8(i, value ? 1 : 0);
  });
  return out;
}

function rawStrings(values: string[]): Uint8Array {
  const parts = values.map((value) => enc.encode(value));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setUint32(offset, part.byteLength, true);
    out.set(part, offset + 4);
    offset += 4 + part.byteLength;
  }
  return out;
}

/** A binary-extension body: JSON header then the chunks, with the header's length. */
function binaryBody(header: unknown, chunks: Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = enc.encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  body.set(json);
  let offset = json.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, headerLength: json.byteLength };
}

const send = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}${path}`, { method: "POST", body, headers });

/** The kredipusula seed request for `rows` rows as binary inputs, in metadata's datatypes. */
function creditBinaryInputs(rows: number) {
  const repeat = <T>(value: T) => Array.from({ length: rows }, () => value);
  const columns = [
    { name: "income", datatype: "FP32", bytes: raw("FP32", repeat(CREDIT_SEED_REQUEST.income)) },
    { name: "age", datatype: "INT64", bytes: raw("INT64", repeat(CREDIT_SEED_REQUEST.age)) },
    {
      name: "credit_history",
      datatype: "BYTES",
      bytes: rawStrings(repeat(CREDIT_SEED_REQUEST.credit_history)),
    },
    { name: "loan_amount", datatype: "FP32", bytes: raw("FP32", repeat(CREDIT_SEED_REQUEST.loan_amount)) },
    {
      name: "employment_years",
      datatype: "INT64",
      bytes: raw("INT64", repeat(CREDIT_SEED_REQUEST.employment_years)),
    },
  ];
  return {
    inputs: columns.map((column) => ({
      name: column.name,
      shape: [rows, 1],
      datatype: column.datatype,
      parameters: { binary_data_size: column.bytes.byteLength },
    })),
    chunks: columns.map((column) => column.bytes),
  };
}

function jsonCreditInputs(rows: number) {
  return Object.entries(CREDIT_SEED_REQUEST).map(([name, value]) => ({
    name,
    shape: [rows, 1],
    datatype: typeof value === "string" ? "BYTES" : "FP32",
    data: Array.from({ length: rows }, () => value),
  }));
}

/** Splits a binary response into its JSON header and each binary output's decoded values. */
async function readBinaryResponse(response: Response) {
  const length = Number(response.headers.get("inference-header-content-length"));
  const bytes = new Uint8Array(await response.arrayBuffer());
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))) as InferResponse;
  const values = new Map<string, unknown[]>();
  let offset = length;
  for (const output of header.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    const part = bytes.subarray(offset, offset + size);
    offset += size;
    const decoded = decodeBinaryInputs(
      [{ name: output.name, datatype: output.datatype, parameters: { binary_data_size: size } }],
      part,
    );
    values.set(output.name, decoded[0]?.data ?? []);
  }
  expect(offset).toBe(bytes.byteLength);
  return { header, values };
}

async function expectProblem(response: Response, status: number, field: string, mention?: string) {
  const body = await expectProblemJson<Problem>(response, status);
  expect(body.error).toBe(body.detail);
  expect((body.errors ?? []).map((error) => error.field)).toContain(field);
  if (mention) expect(body.error).toContain(mention);
  return body;
}

beforeAll(async () => {
  await seedShippedModels(env, ["kredipusula", "recommender"]);
});

describe("binary tensor codec", () => {
  it("round-trips FP32, FP64, INT32, INT64, BOOL and BYTES (UTF-8, empty strings) little-endian", () => {
    const cases: Array<[string, unknown[]]> = [
      ["FP32", [1.5, -2.25, 0, 3.4028234663852886e38]],
      ["FP64", [Math.PI, -1e-300, 0]],
      ["INT32", [0, -1, 2147483647, -2147483648]],
      ["INT64", [0, -1, 9007199254740991, -9007199254740991]],
      ["BOOL", [true, false, true]],
      ["BYTES", ["good", "", "iyi kredi geçmişi ğüşıöç", "🙂"]],
    ];
    for (const [datatype, data] of cases) {
      const bytes = encodeTensor(datatype, data);
      const [decoded] = decodeBinaryInputs(
        [{ name: "x", datatype, parameters: { binary_data_size: bytes.byteLength } }],
        bytes,
      );
      expect(decoded?.data, datatype).toEqual(data);
    }
    expect([...encodeTensor("INT32", [1, -2])]).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    expect([...encodeTensor("BYTES", ["ab"])]).toEqual([2, 0, 0, 0, 0x61, 0x62]);
    expect(encodeTensor("FP32", [null])).toEqual(raw("FP32", [Number.NaN]));
  });

  it("decodes inputs in header order, leaving JSON-data inputs alone, and frames a response", () => {
    const inputs = [
      { name: "a", datatype: "FP64", parameters: { binary_data_size: 16 } },
      { name: "b", datatype: "BYTES", data: ["json"] },
      { name: "c", datatype: "BOOL", parameters: { binary_data_size: 2 } },
    ];
    const binary = new Uint8Array([...raw("FP64", [1, 2]), 1, 0]);
    expect(decodeBinaryInputs(inputs, binary).map((input) => input.data)).toEqual([
      [1, 2],
      ["json"],
      [true, false],
    ]);
    const response = {
      outputs: [
        { name: "p", datatype: "FP32", shape: [2], data: [0.5, 0.25] },
        { name: "l", datatype: "BYTES", shape: [2], data: ["x", "yz"] },
      ],
    };
    const json = encodeResponse(response, () => false);
    expect(json.headerLength).toBeNull();
    expect(JSON.parse(new TextDecoder().decode(json.body))).toEqual(response);
    const framed = encodeResponse(response, (output) => output.name === "p");
    const header = JSON.parse(new TextDecoder().decode(framed.body.subarray(0, framed.headerLength ?? 0)));
    expect(header.outputs[0]).toEqual({
      name: "p",
      datatype: "FP32",
      shape: [2],
      parameters: { binary_data_size: 8 },
    });
    expect(header.outputs[1].data).toEqual(["x", "yz"]);
    expect(framed.body.subarray(framed.headerLength ?? 0)).toEqual(raw("FP32", [0.5, 0.25]));
  });
});

describe("POST /v2/models/{model}/infer as real clients send it", () => {
  it("accepts a JSON body with no Content-Type (tritonclient) and with JSON-ish types", async () => {
    const body = JSON.stringify({ inputs: jsonCreditInputs(1) });
    for (const headers of <Record<string, string>[]>[
      {},
      { "content-type": "application/json; charset=utf-8" },
      { "content-type": "application/vnd.x+json" },
    ]) {
      const response = await send(INFER, body, headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(((await response.json()) as InferResponse).outputs.map((o) => o.name)).toEqual([
        "probability",
        "label",
      ]);
    }
  });

  it("refuses a body that names another format with 415 problem+json", async () => {
    const response = await send(INFER, "<xml/>", { "content-type": "application/xml" });
    await expectProblem(response, 415, "Content-Type");
  });

  it("answers binary inputs with binary outputs (binary_data_output) equal to the JSON answer", async () => {
    const { inputs, chunks } = creditBinaryInputs(3);
    const { body, headerLength } = binaryBody(
      { id: "bin-1", inputs, parameters: { binary_data_output: true } },
      chunks,
    );
    const response = await send(INFER, body, { "inference-header-content-length": String(headerLength) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const { header, values } = await readBinaryResponse(response);
    expect(header.model_version).toBe(shippedDefaults.kredipusula);
    expect(header.outputs.every((output) => output.data === undefined)).toBe(true);
    const json = (await (
      await send(INFER, JSON.stringify({ inputs: jsonCreditInputs(3) }))
    ).json()) as InferResponse;
    const probability = json.outputs.find((o) => o.name === "probability")?.data as number[];
    expect(values.get("probability")).toEqual(probability.map((p) => Math.fround(p)));
    expect(values.get("label")).toEqual(json.outputs.find((o) => o.name === "label")?.data);
  });

  it("honours binary_data per requested output, by version, and returns JSON when none is binary", async () => {
    const { inputs, chunks } = creditBinaryInputs(2);
    const header = {
      inputs,
      outputs: [{ name: "probability", parameters: { binary_data: true } }, { name: "label" }],
      parameters: { binary_data_output: false },
    };
    const { body, headerLength } = binaryBody(header, chunks);
    const response = await send("/v2/models/kredipusula/versions/v1_logreg_calibrated/infer", body, {
      "inference-header-content-length": String(headerLength),
      "content-type": "application/octet-stream",
    });
    expect(response.status).toBe(200);
    const parsed = await readBinaryResponse(response);
    expect(parsed.header.model_version).toBe("v1_logreg_calibrated");
    expect(parsed.values.get("probability")).toHaveLength(2);
    expect(parsed.header.outputs.find((o) => o.name === "label")?.data).toHaveLength(2);

    const jsonOnly = binaryBody({ inputs }, chunks);
    const plain = await send(INFER, jsonOnly.body, {
      "inference-header-content-length": String(jsonOnly.headerLength),
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("inference-header-content-length")).toBeNull();
    expect(((await plain.json()) as InferResponse).outputs[0]?.data).toHaveLength(2);
  });

  it("accepts FP64, INT32 and BOOL tensors in binary form", async () => {
    const chunks = [
      raw("FP64", [50000]),
      raw("INT32", [35]),
      rawStrings(["good"]),
      raw("FP64", [10000]),
      raw("INT32", [5]),
    ];
    const names = ["income", "age", "credit_history", "loan_amount", "employment_years"];
    const types = ["FP64", "INT32", "BYTES", "FP64", "INT32"];
    const inputs = names.map((name, i) => ({
      name,
      shape: [1],
      datatype: types[i],
      parameters: { binary_data_size: chunks[i]?.byteLength },
    }));
    const { body, headerLength } = binaryBody({ inputs }, chunks);
    const response = await send(INFER, body, { "inference-header-content-length": String(headerLength) });
    expect(response.status).toBe(200);
    const boolInputs = [
      ...inputs.slice(0, 4),
      { name: "employment_years", shape: [1], datatype: "BOOL", parameters: { binary_data_size: 1 } },
    ];
    const boolBody = binaryBody({ inputs: boolInputs }, [...chunks.slice(0, 4), raw("BOOL", [1])]);
    const refused = await send(INFER, boolBody.body, {
      "inference-header-content-length": String(boolBody.headerLength),
    });
    // A BOOL decodes to true, which the integer feature then refuses by name.
    await expectProblem(refused, 422, "inputs[name=employment_years].data[0]");
  });
});

describe("malformed binary bodies are 400/422 problem+json naming the input", () => {
  const { inputs, chunks } = creditBinaryInputs(1);
  const framed = (header: unknown, parts: Uint8Array[], length?: string) => {
    const { body, headerLength } = binaryBody(header, parts);
    return send(INFER, body, { "inference-header-content-length": length ?? String(headerLength) });
  };

  it("header length beyond the body, or not a number", async () => {
    await expectProblem(
      await framed({ inputs }, chunks, "999999"),
      400,
      "Inference-Header-Content-Length",
      "exceeds",
    );
    await expectProblem(await framed({ inputs }, chunks, "-4"), 400, "Inference-Header-Content-Length");
    await expectProblem(await framed({ inputs }, chunks, "10"), 400, "(body)");
  });

  it("binary sizes that do not add up", async () => {
    const tooBig = inputs.map((input, i) =>
      i === 2 ? { ...input, parameters: { binary_data_size: 4096 } } : input,
    );
    await expectProblem(
      await framed({ inputs: tooBig }, chunks),
      422,
      "inputs[2].parameters.binary_data_size",
      'input "credit_history"',
    );
    const trailing = await framed({ inputs }, [...chunks, new Uint8Array(3)]);
    await expectProblem(trailing, 422, "inputs", "add up to");
    const odd = inputs.map((input, i) =>
      i === 0 ? { ...input, parameters: { binary_data_size: 3 } } : input,
    );
    const oddChunks = [new Uint8Array(3), ...chunks.slice(1)];
    await expectProblem(
      await framed({ inputs: odd }, oddChunks),
      422,
      "inputs[0].parameters.binary_data_size",
      'input "income"',
    );
    const negative = inputs.map((input, i) =>
      i === 1 ? { ...input, parameters: { binary_data_size: -8 } } : input,
    );
    await expectProblem(
      await framed({ inputs: negative }, chunks),
      422,
      "inputs[1].parameters.binary_data_size",
      'input "age"',
    );
  });

  it("a BYTES element whose length prefix runs past its tensor, or is truncated", async () => {
    const liar = new Uint8Array([200, 0, 0, 0, 0x61]);
    const parts = [chunks[0], chunks[1], liar, chunks[3], chunks[4]] as Uint8Array[];
    const header = {
      inputs: inputs.map((input, i) =>
        i === 2 ? { ...input, parameters: { binary_data_size: liar.byteLength } } : input,
      ),
    };
    await expectProblem(
      await framed(header, parts),
      422,
      "inputs[2].parameters.binary_data_size",
      "declares 200 bytes",
    );
    const stub = new Uint8Array([4, 0]);
    const stubHeader = {
      inputs: inputs.map((input, i) => (i === 2 ? { ...input, parameters: { binary_data_size: 2 } } : input)),
    };
    const stubParts = [chunks[0], chunks[1], stub, chunks[3], chunks[4]] as Uint8Array[];
    await expectProblem(
      await framed(stubHeader, stubParts),
      422,
      "inputs[2].parameters.binary_data_size",
      "truncated",
    );
  });

  it("unknown or unsupported datatypes, data and binary size together, neither", async () => {
    const unknown = inputs.map((input, i) => (i === 0 ? { ...input, datatype: "FP128" } : input));
    await expectProblem(await framed({ inputs: unknown }, chunks), 422, "inputs[0].datatype");
    const half = inputs.map((input, i) => (i === 0 ? { ...input, datatype: "FP16" } : input));
    await expectProblem(await framed({ inputs: half }, chunks), 422, "inputs[0].datatype", "FP16");
    const both = inputs.map((input, i) => (i === 0 ? { ...input, data: [1] } : input));
    await expectProblem(await framed({ inputs: both }, chunks), 422, "inputs[0].data", 'input "income"');
    const neither = [{ name: "income", shape: [1], datatype: "FP32" }];
    await expectProblem(await send(INFER, JSON.stringify({ inputs: neither })), 422, "inputs[0].data");
  });

  it("never reads past a body at the body limit (413 first)", async () => {
    const huge = new Uint8Array(2 * 1024 * 1024);
    const response = await send(INFER, huge, { "inference-header-content-length": "8" });
    await expectProblemJson(response, 413);
  });
});

describe("model repository index and version readiness", () => {
  /** A version whose manifest is registered but whose artifact never was (and whose sha no session has). */
  async function publishBroken(model: string, version: string) {
    const source = shippedVersion("kredipusula", "v1_logreg_calibrated").manifest;
    const manifest: Manifest = {
      ...source,
      model,
      version,
      artifact: { ...source.artifact, sha256: "f".repeat(63) + String(version.length % 10) },
      ...(source.serving?.compiled
        ? { serving: { ...source.serving, compiled: { ...source.serving.compiled, sha256: "e".repeat(64) } } }
        : {}),
    };
    await env.REGISTRY.put(manifestKey(model, version), JSON.stringify(manifest));
    return { manifest };
  }

  beforeAll(async () => {
    const good = shippedVersion("kredipusula", "v1_logreg_calibrated");
    // "mixed": a healthy default (shares the shipped artifact key) and a broken second version.
    const { manifest: broken } = await publishBroken("mixed", "v9_broken");
    const healthy = { ...good.manifest, model: "mixed" };
    await env.REGISTRY.put(manifestKey("mixed", healthy.version), JSON.stringify(healthy));
    await env.ARTIFACTS.put(artifactKey("mixed", healthy.version), good.bytes);
    let record = withVersion(null, healthy, new Date().toISOString());
    record = withVersion(record, broken, new Date().toISOString());
    await writeModelRecord(env.REGISTRY, record);
    // "dead": its only (default) version is broken.
    const { manifest: dead } = await publishBroken("dead", "v1_gone");
    await writeModelRecord(env.REGISTRY, withVersion(null, dead, new Date().toISOString()));
  });

  it("POST /v2/repository/index lists every version READY or UNAVAILABLE with a reason", async () => {
    const response = await send("/v2/repository/index", "");
    expect(response.status).toBe(200);
    const index = (await response.json()) as {
      name: string;
      version: string;
      state: string;
      reason: string;
    }[];
    const state = (name: string, version: string) =>
      index.find((row) => row.name === name && row.version === version);
    expect(state("kredipusula", "v2_gbm")).toEqual({
      name: "kredipusula",
      version: "v2_gbm",
      state: "READY",
      reason: "",
    });
    expect(state("recommender", "v4_xgboost")?.state).toBe("READY");
    expect(state("mixed", "v9_broken")?.state).toBe("UNAVAILABLE");
    expect(state("mixed", "v9_broken")?.reason).toBeTruthy();
    expect(state("dead", "v1_gone")?.state).toBe("UNAVAILABLE");
    const readyOnly = (await (
      await send("/v2/repository/index", JSON.stringify({ ready: true }), {
        "content-type": "application/json",
      })
    ).json()) as { state: string }[];
    expect(readyOnly.length).toBeGreaterThan(0);
    expect(readyOnly.every((row) => row.state === "READY")).toBe(true);
    await expectProblem(await send("/v2/repository/index", JSON.stringify({ ready: "yes" })), 422, "ready");
    await expectProblem(await send("/v2/repository/index", "{"), 400, "(body)");
  });

  it("version ready reflects whether the version can serve; model ready follows its default", async () => {
    const get = (path: string) => SELF.fetch(`${BASE}${path}`);
    const good = await get("/v2/models/kredipusula/versions/v1_logreg_calibrated/ready");
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ name: "kredipusula", version: "v1_logreg_calibrated", ready: true });
    const broken = await get("/v2/models/mixed/versions/v9_broken/ready");
    expect(broken.status).toBe(503);
    const body = (await broken.json()) as { ready: boolean; reason: string };
    expect(body.ready).toBe(false);
    expect(body.reason).toBeTruthy();
    expect((await get("/v2/models/mixed/ready")).status).toBe(200);
    const dead = await get("/v2/models/dead/ready");
    expect(dead.status).toBe(503);
    expect(((await dead.json()) as { ready: boolean }).ready).toBe(false);
    await expectProblemJson(await get("/v2/models/mixed/versions/v8_absent/ready"), 404);
  });
});
