/**
 * Compiles an ONNX model into the compact engine's flat form and reports what it holds.
 *
 *   npx tsx scripts/engine/compile.ts <model.onnx> [--out <file>] [--json]
 *
 * Prints JSON { format_version, onnx_bytes, compiled_bytes, compiled_sha256, retained_bytes, tree_nodes, ops,
 * supported, unsupported, value_dependent_memory } (indented unless --json). Exit codes: 0 (also when the model is
 * unsupported: supported=false), 2 unreadable file or not an ONNX model, 64 usage error.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { argv, exit, stderr, stdout } from "node:process";
import {
  COMPACT_FORMAT_VERSION,
  compileOnnx,
  InvalidModelError,
  inspectOnnx,
  openCompiled,
  UnsafeGraphError,
  UnsupportedGraphError,
} from "../../worker/engine/index.ts";

const USAGE = "usage: npx tsx scripts/engine/compile.ts <model.onnx> [--out <file>] [--json]";

function parse(args: string[]): { file: string; out: string | null; json: boolean } {
  let file: string | null = null;
  let out: string | null = null;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--json") json = true;
    else if (arg === "--out") {
      out = args[++i] ?? null;
      if (!out) throw new Error("--out needs a file");
    } else if (arg === "-h" || arg === "--help") {
      stdout.write(`${USAGE}\n`);
      exit(0);
    } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else if (file === null) file = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!file) throw new Error("an ONNX file is required");
  return { file, out, json };
}

function main(): number {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv.slice(2));
  } catch (error) {
    stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(readFileSync(options.file));
  } catch (error) {
    stderr.write(`cannot read ${options.file}: ${(error as Error).message}\n`);
    return 2;
  }
  let inspection: ReturnType<typeof inspectOnnx>;
  try {
    inspection = inspectOnnx(onnx);
  } catch (error) {
    if (error instanceof InvalidModelError) {
      stderr.write(`${options.file}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let compiled: Uint8Array | null = null;
  try {
    compiled = compileOnnx(onnx);
  } catch (error) {
    if (!(error instanceof UnsupportedGraphError || error instanceof UnsafeGraphError)) throw error;
  }
  const session = compiled ? openCompiled(compiled) : null;
  if (compiled && options.out) writeFileSync(options.out, compiled);
  const report = {
    format_version: COMPACT_FORMAT_VERSION,
    onnx_bytes: onnx.length,
    compiled_bytes: compiled?.length ?? null,
    compiled_sha256: compiled ? createHash("sha256").update(compiled).digest("hex") : null,
    retained_bytes: session?.retainedBytes ?? null,
    tree_nodes: inspection.treeNodes,
    ops: inspection.ops,
    supported: compiled !== null,
    unsupported: inspection.unsupported,
    value_dependent_memory: inspection.valueDependentMemory,
  };
  stdout.write(`${options.json ? JSON.stringify(report) : JSON.stringify(report, null, 2)}\n`);
  return 0;
}

exit(main());
