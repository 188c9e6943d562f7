import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/**
 * Peer of `npm run bench:peers`: node:http + onnxruntime-node on the same model files, requests and answers
 * as the Worker's POST /api/v1/predict and POST /v1/models/{model}/predict: the manifest's features checked
 * (names, types, ranges, categories; 422 naming the field), one session.run per request, the same output
 * fields. No auth, rate limit or prediction log: a minimal honest server, not a platform.
 * argv: <port> <folder whose node_modules holds onnxruntime-node>. ORT is limited to one thread (workerd runs one too).
 */
const [portArg, ortDir] = process.argv.slice(2);
type Ort = typeof import("onnxruntime-common") & {
  InferenceSession: { create(path: string, options: object): Promise<Session> };
};
interface Session {
  run(
    feeds: Record<string, unknown>,
  ): Promise<Record<string, { data: ArrayLike<number | bigint>; dims: number[] }>>;
}
const ort = createRequire(join(resolve(ortDir ?? "."), "package.json"))("onnxruntime-node") as Ort;

interface Feature {
  name: string;
  input: string;
  column: number;
  kind: "number" | "integer" | "category";
  required: boolean;
  min?: number;
  max?: number;
  values?: string[];
  allow_unknown?: boolean;
}
interface Manifest {
  model: string;
  version: string;
  task: "regression" | "binary_classification";
  features: Feature[];
  onnx: { inputs: { name: string; type: string; shape: unknown[] }[] };
  output: {
    name: string;
    threshold?: number;
    positive_index?: number;
    clip?: { min: number; max: number };
    positive_label?: string | number;
    negative_label?: string | number;
  };
  intervals?: { levels: { coverage: number; quantile: number }[] };
}
interface Served {
  manifest: Manifest;
  session: Session;
}

const MODELS = new URL("../../models/", import.meta.url).pathname;
async function load(model: string): Promise<Served> {
  const version = JSON.parse(readFileSync(join(MODELS, model, "registry.json"), "utf8")).default as string;
  const dir = join(MODELS, model, version);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  const session = await ort.InferenceSession.create(join(dir, "model.onnx"), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  return { manifest, session };
}
const served: Record<string, Served> = {
  kredipusula: await load("kredipusula"),
  recommender: await load("recommender"),
};

class Invalid extends Error {
  constructor(readonly errors: { field: string; message: string }[]) {
    super("invalid");
  }
}

function checkRows(manifest: Manifest, rows: unknown[], path: (row: number, name: string) => string): void {
  const errors: { field: string; message: string }[] = [];
  const known = new Set(manifest.features.map((feature) => feature.name));
  rows.forEach((raw, index) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      errors.push({ field: path(index, ""), message: "must be an object of feature values" });
      return;
    }
    const row = raw as Record<string, unknown>;
    for (const name of Object.keys(row))
      if (!known.has(name)) errors.push({ field: path(index, name), message: "unknown field" });
    for (const feature of manifest.features) {
      const value = row[feature.name];
      if (value === undefined || value === null) {
        if (feature.required) errors.push({ field: path(index, feature.name), message: "required" });
      } else if (feature.kind === "category") {
        if (typeof value !== "string" || (!feature.allow_unknown && !feature.values?.includes(value)))
          errors.push({
            field: path(index, feature.name),
            message: `must be one of ${feature.values?.join(", ")}`,
          });
      } else if (typeof value !== "number" || !Number.isFinite(value)) {
        errors.push({ field: path(index, feature.name), message: "must be a finite number" });
      } else if (feature.kind === "integer" && !Number.isInteger(value)) {
        errors.push({ field: path(index, feature.name), message: "must be an integer" });
      } else if (
        (feature.min !== undefined && value < feature.min) ||
        (feature.max !== undefined && value > feature.max)
      ) {
        errors.push({
          field: path(index, feature.name),
          message: `must be within [${feature.min}, ${feature.max}]`,
        });
      }
    }
  });
  if (errors.length > 0) throw new Invalid(errors);
}

async function score({ manifest, session }: Served, rows: Record<string, unknown>[]): Promise<number[]> {
  const feeds: Record<string, unknown> = {};
  for (const spec of manifest.onnx.inputs) {
    const features = manifest.features.filter((feature) => feature.input === spec.name);
    const width = features.length;
    const dims = spec.shape.length === 1 ? [rows.length] : [rows.length, width];
    if (spec.type === "string") {
      const data = new Array<string>(rows.length * width);
      rows.forEach((row, r) => {
        for (const feature of features) data[r * width + feature.column] = String(row[feature.name] ?? "");
      });
      feeds[spec.name] = new ort.Tensor("string", data, dims);
    } else {
      const data = new Float32Array(rows.length * width);
      rows.forEach((row, r) => {
        for (const feature of features)
          data[r * width + feature.column] = Number(row[feature.name] ?? Number.NaN);
      });
      feeds[spec.name] = new ort.Tensor("float32", data, dims);
    }
  }
  const output = (await session.run(feeds))[manifest.output.name];
  if (!output) throw new Error("output missing");
  const width = output.dims.length > 1 ? (output.dims[1] ?? 1) : 1;
  const column =
    manifest.task === "binary_classification" && width > 1 ? (manifest.output.positive_index ?? 1) : 0;
  return rows.map((_row, r) => Number(output.data[r * width + column]));
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

async function creditPredict(body: unknown, res: ServerResponse): Promise<void> {
  const credit = served.kredipusula as Served;
  checkRows(credit.manifest, [body], (_row, name) => name || "(body)");
  const [probability = 0] = await score(credit, [body as Record<string, unknown>]);
  const threshold = credit.manifest.output.threshold ?? 0.5;
  const approved = probability >= threshold;
  const near = Math.abs(probability - threshold) < 0.05;
  const recommendation = approved
    ? near
      ? "Başvuru onaylandı; skor eşiğe yakın, manuel inceleme önerilir"
      : "Başvuru onaylandı"
    : near
      ? "Başvuru reddedildi; skor eşiğe yakın, manuel inceleme önerilir"
      : "Başvuru reddedildi";
  send(
    res,
    200,
    {
      approved,
      credit_score: round(probability),
      confidence: round(approved ? probability : 1 - probability),
      recommendation,
      timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
    },
    { "x-prediction-id": randomUUID(), "content-language": "tr" },
  );
}

async function modelPredict(model: string, body: unknown, res: ServerResponse): Promise<void> {
  const target = served[model];
  if (!target) return send(res, 404, { title: "Model not found" });
  const request = body as { inputs?: unknown; instances?: unknown };
  if (
    typeof body !== "object" ||
    body === null ||
    (request.inputs === undefined) === (request.instances === undefined)
  )
    throw new Invalid([{ field: "inputs", message: "send exactly one of `inputs` or `instances`" }]);
  const single = request.inputs !== undefined;
  const rows = single ? [request.inputs] : request.instances;
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > 1000)
    throw new Invalid([{ field: "instances", message: "1 to 1000 rows" }]);
  checkRows(
    target.manifest,
    rows,
    single ? (_r, name) => `inputs.${name}` : (r, name) => `instances[${r}].${name}`,
  );
  const scores = await score(target, rows as Record<string, unknown>[]);
  const { manifest } = target;
  const level = manifest.intervals?.levels.find((entry) => Math.abs(entry.coverage - 0.9) < 1e-9);
  const clip = (value: number) =>
    manifest.output.clip
      ? Math.min(manifest.output.clip.max, Math.max(manifest.output.clip.min, value))
      : value;
  const predictions = scores.map((raw) => {
    if (manifest.task === "binary_classification") {
      const positive = raw >= (manifest.output.threshold ?? 0.5);
      return {
        id: randomUUID(),
        probability: raw,
        label:
          (positive ? manifest.output.positive_label : manifest.output.negative_label) ?? (positive ? 1 : 0),
      };
    }
    return {
      id: randomUUID(),
      value: clip(raw),
      ...(level
        ? { interval: { level: 0.9, lower: clip(raw - level.quantile), upper: clip(raw + level.quantile) } }
        : {}),
    };
  });
  send(res, 200, { model, version: manifest.version, route: "default", task: manifest.task, predictions });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": status >= 400 ? "application/problem+json" : "application/json",
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const MODEL_PREDICT = /^\/v1\/models\/([^/]+)\/predict$/;
const server = createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/health") return send(res, 200, { ok: true });
    if (req.method !== "POST") return send(res, 404, { title: "Not found" });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return send(res, 400, { title: "Malformed JSON" });
    }
    if (req.url === "/api/v1/predict") return await creditPredict(body, res);
    const match = MODEL_PREDICT.exec(req.url ?? "");
    if (match?.[1]) return await modelPredict(match[1], body, res);
    send(res, 404, { title: "Not found" });
  } catch (error) {
    if (error instanceof Invalid) return send(res, 422, { title: "Invalid input", errors: error.errors });
    send(res, 500, { title: String(error) });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), "127.0.0.1", () =>
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`),
);
