import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../lib/local-worker.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** A server under test: its URL and the root of its process tree (whose CPU is measured). */
export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${url}: server exited (${child.exitCode ?? child.signalCode})\n${output().slice(-3000)}`,
      );
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms\n${output().slice(-3000)}`);
}

/** Spawns `command` in its own process group (so stop() reaches every descendant) and waits for `probe`. */
async function startProcess(
  name: string,
  command: string,
  args: string[],
  probe: (port: number) => string,
  options: { env?: Record<string, string>; urlFromStdout?: boolean; readyMs?: number } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(
    command,
    args.map((arg) => arg.replaceAll("{port}", String(port))),
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true", ...options.env },
      detached: true,
    },
  );
  let output = "";
  let announced: string | undefined;
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk;
    const match = /\{"url":"([^"]+)"\}/.exec(output);
    if (match) announced = match[1];
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      killGroup("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    killGroup("SIGKILL");
    process.off("exit", onExit);
  };
  try {
    let url = `http://127.0.0.1:${port}`;
    if (options.urlFromStdout) {
      const deadline = Date.now() + (options.readyMs ?? 120_000);
      while (!announced) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`${name} did not start\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      url = announced;
    }
    await waitFor(`${url}${probe(port)}`, child, options.readyMs ?? 120_000, () => output);
    return { name, url, pid: child.pid as number, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const TSX_NODE = [process.execPath, "--import", "tsx"] as const;

export interface WorkerdSpec {
  script: string;
  project: boolean;
  config?: string;
  persistDir?: string;
  logConsumers?: boolean;
  logSink?: boolean;
  rateLimit?: boolean;
  direct?: boolean;
  inspectorPort?: number;
  ladder?: boolean;
}

/** A Worker on workerd's own socket (Miniflare), see workerd-server.ts. */
export function startWorkerd(name: string, spec: WorkerdSpec, probePath: string): Promise<RunningServer> {
  return startProcess(
    name,
    TSX_NODE[0],
    [...TSX_NODE.slice(1), join(ROOT, "scripts/bench/workerd-server.ts"), JSON.stringify(spec)],
    () => probePath,
    { urlFromStdout: true },
  );
}

/**
 * The project through a real `wrangler dev` (its proxy Worker in front), on `persistDir`. wrangler.toml's
 * rate limit (600 a minute) would refuse a benchmark, so wrangler runs on a copy of it whose limit is
 * raised (written next to it, removed on stop); everything else is the project's own config.
 */
export async function startWranglerDev(name: string, persistDir: string): Promise<RunningServer> {
  const config = join(ROOT, ".bench-wrangler.toml");
  const original = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  writeFileSync(config, original.replaceAll(/limit = \d+, period/g, "limit = 1000000000, period"));
  try {
    const server = await startProcess(
      name,
      join(ROOT, "node_modules/.bin/wrangler"),
      [
        "dev",
        "--config",
        config,
        "--port",
        "{port}",
        "--ip",
        "127.0.0.1",
        "--persist-to",
        persistDir,
        "--show-interactive-dev-session=false",
        "--log-level",
        "warn",
      ],
      () => "/v2/health/live",
      { readyMs: 240_000 },
    );
    return {
      ...server,
      stop: async () => {
        await server.stop();
        if (existsSync(config)) rmSync(config);
      },
    };
  } catch (error) {
    if (existsSync(config)) rmSync(config);
    throw error;
  }
}

/** node:http + onnxruntime-node (bench/peers/node-ort-server.ts); `ortRoot` holds node_modules/onnxruntime-node. */
export function startNodeOrt(ortRoot: string): Promise<RunningServer> {
  return startProcess(
    "node:http + onnxruntime-node",
    TSX_NODE[0],
    [...TSX_NODE.slice(1), join(ROOT, "bench/peers/node-ort-server.ts"), "{port}", ortRoot],
    () => "/health",
  );
}

/** FastAPI + uvicorn + onnxruntime (bench/peers/fastapi_server.py) in its own venv. */
export function startFastApi(python: string): Promise<RunningServer> {
  return startProcess(
    "FastAPI + uvicorn + onnxruntime",
    python,
    [join(ROOT, "bench/peers/fastapi_server.py"), "{port}"],
    () => "/health",
  );
}
