/**
 * Starts a real `wrangler dev` (fresh state, every shipped model seeded, open local mode) for the Python
 * client tests, prints `EDGE_URL=<url>` on stdout once it answers, and stops it on SIGTERM / SIGINT. Run: node --import tsx test/clients/start-worker.ts
 */
import { startLocalWorker } from "../../scripts/lib/local-worker.ts";

const worker = await startLocalWorker({ readyTimeoutMs: 300_000 });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Keeps the event loop alive until a signal arrives.
const idle = setInterval(() => undefined, 60_000);
process.on("exit", () => clearInterval(idle));
console.log(`EDGE_URL=${worker.url}`);
