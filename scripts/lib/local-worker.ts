import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getPlatformProxy } from "wrangler";
import { seedVersions } from "../../worker/registry/seed-versions.ts";
import { readShippedModels } from "../dev/shipped-models.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

export interface LocalWorker {
  url: string;
  persistDir: string;
  stop: () => Promise<void>;
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
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
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
 * model seeded, the cron reachable at /__scheduled. For end-to-end tests and benchmarks.
 */
export async function startLocalWorker(
  options: { vars?: Record<string, string>; seed?: boolean } = {},
): Promise<LocalWorker> {
  const persistDir = mkdtempSync(join(tmpdir(), "edge-worker-"));
  const migrate = spawnSync(
    WRANGLER,
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, CI: "true" },
    },
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
  const varArgs = Object.entries(options.vars ?? {}).flatMap(([name, value]) => [
    "--var",
    `${name}:${value}`,
  ]);
  const child = spawn(
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
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" } },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, child, 90_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${String(error)}\n${output.slice(-4000)}`);
  }
  return {
    url,
    persistDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}
