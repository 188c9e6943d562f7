import { expect, it } from "vitest";
import { shippedVersions } from "../test/support/shipped-models.ts";
import { createSession, wasmHeapBytes } from "../worker/inference/ort-runtime.ts";

/**
 * ORT's WebAssembly heap as each shipped version is loaded (smallest first, nothing released), in one
 * fresh isolate. The heap only grows, so the step per model is its footprint plus allocator growth slack.
 * Run: npm run bench:memory
 */
it("prints the WASM heap footprint of every shipped version", async () => {
  const ordered = [...shippedVersions].sort((a, b) => a.bytes.byteLength - b.bytes.byteLength);
  const rows: string[] = [];
  let previous = 0;
  for (const { manifest, bytes } of ordered) {
    await createSession(bytes);
    const heap = wasmHeapBytes();
    const mib = (value: number) => (value / 1024 / 1024).toFixed(1);
    rows.push(
      `| ${manifest.model}/${manifest.version} | ${mib(bytes.byteLength)} | ${mib(heap)} | +${mib(heap - previous)} |`,
    );
    previous = heap;
  }
  console.log(
    ["| version | artifact MiB | heap after MiB | step MiB |", "|---|---|---|---|", ...rows].join("\n"),
  );
  expect(previous).toBeGreaterThan(0);
});
