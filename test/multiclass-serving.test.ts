/**
 * Multiclass classification on the serving side, end to end in workerd: parity of the compact engine with
 * training's onnxruntime outputs, /v1 answers (class, its probability, every class's probability), a full
 * batch, Open Inference Protocol outputs (JSON and binary), feedback with the true class, and publish.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import { decodeBinaryInputs } from "../worker/http/oip/binary-codec.ts";
import { validateRows } from "../worker/inference/feature-validation.ts";
import { withModelSession } from "../worker/inference/model-sessions.ts";
import { predictRows } from "../worker/inference/predictor.ts";
import { randomRows } from "../worker/inference/random-rows.ts";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { BASE, expectProblemJson, workerClient } from "./support/http.ts";
import { waitForLogged } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

/** Examples are training's onnxruntime outputs: the compact engine reproduces them within this. */
const EXAMPLE_PARITY = 1e-5;
const BATCH_ROWS = 1000;

const { manifest: shipped, bytes } = shippedVersion("kredipusula_risk");
const MODEL = shipped.model;
const CLASSES = shipped.output.classes ?? [];
const { get, post } = workerClient();

interface RowView {
  id: string;
  label: string;
  probability: number;
  probabilities: Record<string, number>;
}
interface PredictBody {
  model: string;
  version: string;
  task: string;
  predictions: RowView[];
}
interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}
interface Problem {
  errors?: { field: string; message: string }[];
}

const exampleRows = () => shipped.examples.map((example) => example.inputs);

/** The engine's own answer for rows, straight from the stored version (what /v1 must serve). */
async function engineScores(manifest: Manifest, rows: readonly Record<string, unknown>[]) {
  const validation = validateRows(manifest, rows, (row, name) => `rows[${row}].${name}`);
  expect(validation.errors).toEqual([]);
  return withModelSession(env.ARTIFACTS, manifest, (session) => {
    expect(session.kind).toBe("compact");
    return predictRows(session, manifest, validation.rows);
  });
}

function expectClassView(row: RowView | undefined): asserts row is RowView {
  expect(row).toBeDefined();
  if (!row) return;
  expect(Object.keys(row.probabilities)).toEqual(CLASSES);
  const values = Object.values(row.probabilities);
  expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
  // the predicted class is the arg-max (first max wins) and `probability` is its probability
  const best = values.indexOf(Math.max(...values));
  expect(row.label).toBe(CLASSES[best]);
  expect(row.probability).toBe(values[best]);
}

beforeAll(async () => {
  await seedShippedModels(env, [MODEL]);
});

describe("parity: the shipped multiclass version reproduces its manifest examples with the compact engine", () => {
  it("every class probability within 1e-5 and the same label, for every example", async () => {
    const manifest = await readManifest(env.REGISTRY, MODEL, shipped.version);
    expect(manifest.task).toBe("multiclass_classification");
    expect(manifest.serving?.engine).toBe("compact");
    const predictions = await engineScores(manifest, exampleRows());
    expect(predictions).toHaveLength(manifest.examples.length);
    // the examples exercise more than one class
    expect(new Set(manifest.examples.map((example) => example.expected.label)).size).toBeGreaterThan(1);
    manifest.examples.forEach((example, index) => {
      const prediction = predictions[index];
      const expected = example.expected.probabilities ?? [];
      expect(expected).toHaveLength(CLASSES.length);
      expect(prediction?.probabilities).toHaveLength(CLASSES.length);
      expected.forEach((probability, column) => {
        expect(
          Math.abs((prediction?.probabilities?.[column] ?? Number.NaN) - probability),
        ).toBeLessThanOrEqual(EXAMPLE_PARITY);
      });
      expect(Math.abs((prediction?.raw ?? Number.NaN) - example.expected.output)).toBeLessThanOrEqual(
        EXAMPLE_PARITY,
      );
      expect(prediction?.label).toBe(example.expected.label);
    });
  });
});

describe("/v1 predictions", () => {
  it("describes the classes in the model's signature", async () => {
    const body = (await (await get(`/v1/models/${MODEL}`)).json()) as {
      signature: { output: { name: string; classes?: string[] } };
    };
    expect(body.signature.output).toMatchObject({ name: shipped.output.name, classes: CLASSES });
  });

  it("answers one row with the class, its probability and every class's probability", async () => {
    const [example] = shipped.examples;
    const response = await post(`/v1/models/${MODEL}/predict`, { inputs: example?.inputs });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-model-version")).toBe(shipped.version);
    const body = (await response.json()) as PredictBody;
    expect(body).toMatchObject({ model: MODEL, version: shipped.version, task: "multiclass_classification" });
    const [row] = body.predictions;
    expectClassView(row);
    expect(row.label).toBe(example?.expected.label);
    expect(row).not.toHaveProperty("value");
    CLASSES.forEach((name, column) => {
      expect(
        Math.abs((row.probabilities[name] ?? Number.NaN) - (example?.expected.probabilities?.[column] ?? 0)),
      ).toBeLessThanOrEqual(EXAMPLE_PARITY);
    });
  });

  it(`scores a ${BATCH_ROWS}-row batch in one request, each row as the engine scores it`, async () => {
    const rows = randomRows(shipped, BATCH_ROWS, 11);
    const response = await post(`/v1/models/${MODEL}/predict`, { instances: rows });
    expect(response.status).toBe(200);
    const body = (await response.json()) as PredictBody;
    expect(body.predictions).toHaveLength(BATCH_ROWS);
    const manifest = await readManifest(env.REGISTRY, MODEL, shipped.version);
    const direct = await engineScores(manifest, rows);
    body.predictions.forEach((row, index) => {
      expectClassView(row);
      expect(row.label).toBe(direct[index]?.label);
      expect(Object.values(row.probabilities)).toEqual(direct[index]?.probabilities);
    });
    expect(new Set(body.predictions.map((row) => row.id)).size).toBe(BATCH_ROWS);
    // random rows over the declared ranges reach several classes
    expect(new Set(body.predictions.map((row) => row.label)).size).toBeGreaterThan(1);
  });
});

describe("Open Inference Protocol v2", () => {
  const INFER = `/v2/models/${MODEL}/infer`;
  const inputsOf = (rows: readonly Record<string, number | string>[]) =>
    shipped.features.map((feature) => ({
      name: feature.name,
      shape: [rows.length, 1],
      datatype: feature.kind === "category" ? "BYTES" : feature.kind === "integer" ? "INT64" : "FP32",
      data: rows.map((row) => row[feature.name]),
    }));

  it("describes the class outputs in the model metadata", async () => {
    const response = await get(`/v2/models/${MODEL}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: OutputTensor[] };
    expect(body.outputs).toEqual([
      { name: "probability", datatype: "FP32", shape: [-1] },
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "probabilities", datatype: "FP32", shape: [-1, CLASSES.length] },
    ]);
  });

  it("answers JSON with the class, its probability and the [n, classes] probabilities", async () => {
    const rows = exampleRows();
    const response = await post(INFER, { id: "mc-json", inputs: inputsOf(rows) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; outputs: OutputTensor[] };
    expect(body.id).toBe("mc-json");
    const byName = new Map(body.outputs.map((output) => [output.name, output]));
    expect(byName.get("label")).toMatchObject({ datatype: "BYTES", shape: [rows.length] });
    expect(byName.get("label")?.data).toEqual(shipped.examples.map((example) => example.expected.label));
    expect(byName.get("probabilities")).toMatchObject({
      datatype: "FP32",
      shape: [rows.length, CLASSES.length],
    });
    const flat = byName.get("probabilities")?.data as number[];
    expect(flat).toHaveLength(rows.length * CLASSES.length);
    shipped.examples.forEach((example, row) => {
      (example.expected.probabilities ?? []).forEach((probability, column) => {
        expect(
          Math.abs((flat[row * CLASSES.length + column] ?? Number.NaN) - probability),
        ).toBeLessThanOrEqual(EXAMPLE_PARITY);
      });
      const probability = (byName.get("probability")?.data as number[] | undefined)?.[row] ?? Number.NaN;
      expect(Math.abs(probability - example.expected.output)).toBeLessThanOrEqual(EXAMPLE_PARITY);
    });
  });

  it("answers binary outputs equal to the JSON answer (binary_data_output)", async () => {
    const rows = exampleRows();
    const json = (await (await post(INFER, { inputs: inputsOf(rows) })).json()) as {
      outputs: OutputTensor[];
    };
    const response = await post(INFER, { inputs: inputsOf(rows), parameters: { binary_data_output: true } });
    expect(response.status).toBe(200);
    const length = Number(response.headers.get("inference-header-content-length"));
    expect(length).toBeGreaterThan(0);
    const buffer = new Uint8Array(await response.arrayBuffer());
    const header = JSON.parse(new TextDecoder().decode(buffer.subarray(0, length))) as {
      outputs: OutputTensor[];
    };
    let offset = length;
    for (const output of header.outputs) {
      const size = output.parameters?.binary_data_size ?? 0;
      const [decoded] = decodeBinaryInputs(
        [{ name: output.name, datatype: output.datatype, parameters: { binary_data_size: size } }],
        buffer.subarray(offset, offset + size),
      );
      offset += size;
      const expected = json.outputs.find((candidate) => candidate.name === output.name);
      expect(output.shape).toEqual(expected?.shape);
      if (output.datatype === "FP32") {
        // binary FP32 is float32: equal to the JSON number rounded to float32
        const values = (expected?.data ?? []) as number[];
        expect(decoded?.data).toEqual(values.map((value) => Math.fround(value)));
      } else {
        expect(decoded?.data).toEqual(expected?.data);
      }
    }
    expect(offset).toBe(buffer.byteLength);
    expect(header.outputs.map((output) => output.name)).toEqual(["probability", "label", "probabilities"]);
  });
});

describe("feedback with the true class", () => {
  it("accepts a class name (or its index) and refuses a label that is not a class with 422 naming the field", async () => {
    const response = await post(`/v1/models/${MODEL}/predict`, { instances: exampleRows().slice(0, 3) });
    const served = ((await response.json()) as PredictBody).predictions;
    const ids = served.map((row) => row.id);
    expect(await waitForLogged(ids)).toBe(ids.length);
    // the log keeps the predicted class and every class's probability (what multiclass metrics are computed from)
    const logged = await env.DB.prepare("SELECT id, label, probabilities FROM predictions WHERE id = ?")
      .bind(ids[0])
      .first<{ label: string; probabilities: string }>();
    expect(logged?.label).toBe(served[0]?.label);
    expect(JSON.parse(logged?.probabilities ?? "null")).toEqual(
      Object.values(served[0]?.probabilities ?? {}),
    );

    const accepted = await post(`/v1/predictions/${ids[0]}/feedback`, { actual: CLASSES.at(-1) });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({
      prediction_id: ids[0],
      model: MODEL,
      version: shipped.version,
      actual: CLASSES.length - 1,
    });
    const byIndex = await post(`/v1/predictions/${ids[1]}/feedback`, { actual: 0 });
    expect(await byIndex.json()).toMatchObject({ actual: 0 });

    const wrong = await expectProblemJson<Problem>(
      await post(`/v1/predictions/${ids[2]}/feedback`, { actual: "catastrophic" }),
      422,
    );
    expect(wrong.errors?.map((error) => error.field)).toEqual(["actual"]);
    expect(wrong.errors?.[0]?.message).toContain(CLASSES[0]);
    const outOfRange = await expectProblemJson<Problem>(
      await post("/v1/predictions/feedback", {
        feedback: [
          { prediction_id: ids[2], actual: CLASSES[1] },
          { prediction_id: ids[1], actual: CLASSES.length },
          { prediction_id: ids[0], actual: 0.5 },
        ],
      }),
      422,
    );
    expect(outOfRange.errors?.map((error) => error.field)).toEqual([
      "feedback[1].actual",
      "feedback[2].actual",
    ]);
    const stored = await env.DB.prepare(
      "SELECT prediction_id, actual FROM feedback WHERE prediction_id IN (?, ?, ?)",
    )
      .bind(...ids.map((id) => feedbackKey(id)))
      .all<{ prediction_id: string; actual: number }>();
    expect(Object.fromEntries(stored.results.map((row) => [row.prediction_id, row.actual]))).toEqual({
      [feedbackKey(ids[0] as string)]: CLASSES.length - 1,
      [feedbackKey(ids[1] as string)]: 0,
    });
  });
});

describe("OpenAPI document", () => {
  it("documents every class's probability in the row view", async () => {
    const document = (await (await get("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, { type?: string }> }> };
    };
    const row = document.components.schemas.RowPrediction;
    expect(Object.keys(row?.properties ?? {})).toEqual(
      expect.arrayContaining(["id", "label", "probability", "probabilities"]),
    );
    expect(row?.properties?.probabilities?.type).toBe("object");
  });
});

describe("publish through the admin API", () => {
  it("verifies the examples (every class probability) and serves the new version", async () => {
    const version = "v9_publish_multiclass";
    const form = new FormData();
    const { serving: _serving, ...manifest } = shipped;
    form.append("manifest", JSON.stringify({ ...manifest, version }));
    form.append("model", new File([bytes], "model.onnx", { type: "application/octet-stream" }));
    const response = await SELF.fetch(`${BASE}/v1/admin/models/${MODEL}/versions`, {
      method: "POST",
      body: form,
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      status: string;
      verification: { examples: number; max_abs_error: number; engine: string };
    };
    expect(body.status).toBe("created");
    expect(body.verification).toMatchObject({ examples: shipped.examples.length, engine: "compact" });
    expect(body.verification.max_abs_error).toBeLessThanOrEqual(EXAMPLE_PARITY);

    const served = await post(`/v1/models/${MODEL}/predict`, { inputs: exampleRows()[0], version });
    expect(served.status).toBe(200);
    const answer = (await served.json()) as PredictBody;
    expect(answer.version).toBe(version);
    expectClassView(answer.predictions[0]);
  });

  it("refuses a manifest whose classes do not match its probability tensor, naming the field", async () => {
    const form = new FormData();
    const { serving: _serving, ...manifest } = shipped;
    const broken = {
      ...manifest,
      version: "v9_bad_classes",
      output: { ...manifest.output, classes: ["a", "b"] },
    };
    form.append("manifest", JSON.stringify(broken));
    form.append("model", new File([bytes], "model.onnx", { type: "application/octet-stream" }));
    const response = await SELF.fetch(`${BASE}/v1/admin/models/${MODEL}/versions`, {
      method: "POST",
      body: form,
    });
    const problem = await expectProblemJson<Problem>(response, 422);
    expect(problem.errors?.map((error) => error.field)).toContain("manifest.output.classes");
  });

  it("refuses examples the model does not reproduce: a class probability, or a decisive label", async () => {
    const { serving: _serving, ...manifest } = shipped;
    const examples = structuredClone(manifest.examples);
    const [first, second] = examples;
    if (!first?.expected.probabilities || !second?.expected.probabilities) throw new Error("examples needed");
    // another column than the predicted class's: `expected.output` still matches, only the class check sees it
    const column = first.expected.probabilities.indexOf(Math.min(...first.expected.probabilities));
    first.expected.probabilities[column] = (first.expected.probabilities[column] ?? 0) + 0.01;
    second.expected.label = CLASSES.find((name) => name !== second.expected.label);
    const form = new FormData();
    form.append("manifest", JSON.stringify({ ...manifest, version: "v9_bad_examples", examples }));
    form.append("model", new File([bytes], "model.onnx", { type: "application/octet-stream" }));
    const response = await SELF.fetch(`${BASE}/v1/admin/models/${MODEL}/versions`, {
      method: "POST",
      body: form,
    });
    const problem = await expectProblemJson<Problem & { type: string }>(response, 422);
    expect(problem.type).toContain("examples-mismatch");
    expect(problem.errors?.map((error) => error.field)).toEqual([
      `manifest.examples[0].expected.probabilities[${column}]`,
      "manifest.examples[1].expected.label",
    ]);
  });
});
