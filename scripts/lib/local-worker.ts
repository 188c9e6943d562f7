import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { seedVersions } from "../../worker/data-plane/seed-versions.ts";
import { readShippedModels } from "../dev/shipped-models.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface LocalWorker {
  url: string;
  persistDir: string;
  stop: () => Promise<void>;
}

export interface LocalWorkerOptions {
  /** Bindings passed as `--var NAME:value`, e.g. an ADMIN_TOKEN. */
  vars?: Record<string, string>;
  /** Seed every shipped model before starting (default); `false` leaves the registry empty. */
  seed?: boolean;
  /** How long to wait for /v2/health/live; a loaded machine can take minutes to boot workerd. */
  readyTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`wrangler dev exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(`${url}/v2/health/live`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms`);
}

/**
 * A real `wrangler dev` on a free loopback port with its own temporary state: D1 migrated, every shipped
 * model seeded (unless `seed: false`), the cron reachable at /__scheduled. For end-to-end tests and
 * benchmarks. wrangler runs in its own process group, so `stop` (or this process exiting) also ends the
 * workerd it spawned.
 */
export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const persistDir = mkdtempSync(join(tmpdir(), "edge-worker-"));
  let child: ChildProcess | undefined;
  const killGroup = (signal: NodeJS.Signals) => {
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const removeState = () => rmSync(persistDir, { recursive: true, force: true });
  const killOnExit = () => {
    killGroup("SIGKILL");
    removeState();
  };
  const killOnSignal = (signal: NodeJS.Signals) => {
    killOnExit();
    process.kill(process.pid, signal);
  };
  const release = () => {
    process.off("exit", killOnExit);
    process.off("SIGINT", killOnSignal);
    process.off("SIGTERM", killOnSignal);
    removeState();
  };
  try {
    const migrate = spawnSync(
      WRANGLER,
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
    if (options.seed !== false) {
      const proxy = await getPlatformProxy<Env>({
        configPath: join(ROOT, "wrangler.toml"),
        persist: { path: join(persistDir, "v3") },
      });
      try {
        const { versions, defaults } = readShippedModels();
        await seedVersions(proxy.env, versions, defaults);
      } finally {
        await proxy.dispose();
      }
    }
    const port = await freePort();
    // A fresh prediction-id key per Worker (a bare secret is key id 0), so harness Workers seal ids and
    // report healthy like `npm start` (which writes one into .dev.vars); options.vars may override it.
    const vars = { PREDICTION_ID_KEY: randomBytes(32).toString("base64url"), ...(options.vars ?? {}) };
    const varArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
    // detached: its own process group, so the group kill reaches workerd. Then a Ctrl-C at the terminal no
    // longer reaches wrangler directly; the exit and signal hooks below take care of it instead.
    child = spawn(
      WRANGLER,
      [
        "dev",
        "--port",
        String(port),
        "--ip",
        "127.0.0.1",
        "--persist-to",
        persistDir,
        "--test-scheduled",
        "--show-interactive-dev-session=false",
        ...varArgs,
      ],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, CI: "true" },
        detached: true,
      },
    );
    process.once("exit", killOnExit);
    process.once("SIGINT", killOnSignal);
    process.once("SIGTERM", killOnSignal);
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForReady(url, child, options.readyTimeoutMs ?? 180_000);
    } catch (error) {
      throw new Error(`${String(error)}\n${output.slice(-4000)}`);
    }
    const running = child;
    return {
      url,
      persistDir,
      stop: async () => {
        if (running.exitCode === null && running.signalCode === null) {
          const exited = new Promise((resolve) => running.once("exit", resolve));
          killGroup("SIGTERM");
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        }
        killGroup("SIGKILL"); // whatever of the group is left, workerd included
        release();
      },
    };
  } catch (error) {
    killGroup("SIGKILL");
    release();
    throw error;
  }
}
