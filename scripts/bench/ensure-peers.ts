import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./servers.ts";

/** Pinned like everything else; the same release line as the Worker's onnxruntime-web. */
export const ONNXRUNTIME_NODE_VERSION = "1.30.0";
const NODE_PEER_DIR = join(ROOT, "bench/.node-peer");
const VENV = join(ROOT, ".venv-bench");
const REQUIREMENTS = join(ROOT, "bench/peers/requirements.txt");

/**
 * onnxruntime-node is installed on demand into bench/.node-peer (git-ignored), not as a project dependency:
 * its post-install step downloads binaries from GitHub, which fails offline, so it would break a plain
 * `npm ci`. ONNXRUNTIME_NODE_INSTALL=skip skips that step; the CPU binaries ship inside the npm package.
 */
export function ensureNodeOrt(): string {
  const installed = join(NODE_PEER_DIR, "node_modules/onnxruntime-node/package.json");
  if (
    existsSync(installed) &&
    JSON.parse(readFileSync(installed, "utf8")).version === ONNXRUNTIME_NODE_VERSION
  )
    return NODE_PEER_DIR;
  mkdirSync(NODE_PEER_DIR, { recursive: true });
  writeFileSync(join(NODE_PEER_DIR, "package.json"), '{ "private": true }\n');
  console.error(`installing onnxruntime-node@${ONNXRUNTIME_NODE_VERSION} into bench/.node-peer ...`);
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      NODE_PEER_DIR,
      "--no-audit",
      "--no-fund",
      `onnxruntime-node@${ONNXRUNTIME_NODE_VERSION}`,
    ],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" } },
  );
  return NODE_PEER_DIR;
}

/** .venv-bench with bench/peers/requirements.txt, rebuilt when that file changes. Returns its python. */
export function ensureBenchVenv(): string {
  const python = join(VENV, "bin/python");
  const stamp = join(VENV, ".requirements.sha256");
  const wanted = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === wanted) return python;
  console.error("creating .venv-bench for the FastAPI peer ...");
  if (!existsSync(python)) execFileSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
  execFileSync(python, ["-m", "pip", "install", "-q", "-r", REQUIREMENTS], { stdio: "inherit" });
  writeFileSync(stamp, `${wanted}\n`);
  return python;
}
