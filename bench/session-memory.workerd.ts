import { expect, it } from "vitest";
import { shippedVersions } from "../test/support/shipped-models.ts";
import { compileOnnx, openCompiled } from "../worker/engine/index.ts";
import { MAX_COMPACT_BYTES_PER_TREE_NODE } from "../worker/inference/edge-limits.ts";
import { createSession, wasmHeapBytes } from "../worker/inference/ort-runtime.ts";

/**
 * Memory per shipped version for both engines, in one fresh isolate: the compact engine's retained bytes
 * (and bytes per tree node) beside ORT-web's WASM heap growth as each version is loaded (smallest first,
 * nothing released). ORT's heap only grows, so its step is the footprint plus allocator growth slack.
 * Run: npm run bench:memory
 */
it("prints retained bytes per engine for every shipped version", async () => {
  const ordered = [...shippedVersions].sort((a, b) => a.bytes.byteLength - b.bytes.byteLength);
  const mib = (value: number) => (value / 1024 / 1024).toFixed(2);
  const rows: string[] = [];
  let previousHeap = 0;
  let compactTotal = 0;
  for (const { manifest, bytes } of ordered) {
    const compiled = compileOnnx(bytes);
    const session = openCompiled(compiled);
    compactTotal += session.retainedBytes;
    const perNode = session.treeNodes > 0 ? (session.retainedBytes / session.treeNodes).toFixed(1) : "n/a";
    await createSession(bytes);
    const heap = wasmHeapBytes();
    const ortStep = heap - previousHeap;
    previousHeap = heap;
    rows.push(
      `| ${manifest.model}/${manifest.version} | ${mib(bytes.byteLength)} | ${session.treeNodes} | ${mib(compiled.byteLength)} | ${mib(session.retainedBytes)} | ${perNode} | +${mib(ortStep)} | ${mib(heap)} |`,
    );
    if (session.treeNodes > 1000)
      expect(session.retainedBytes / session.treeNodes).toBeLessThanOrEqual(MAX_COMPACT_BYTES_PER_TREE_NODE);
  }
  console.log(
    [
      "| version | ONNX MiB | tree nodes | compiled MiB | compact retained MiB | compact bytes/node | ORT heap step MiB | ORT heap after MiB |",
      "|---|---|---|---|---|---|---|---|",
      ...rows,
      `| all versions | | | | ${mib(compactTotal)} | | | ${mib(previousHeap)} |`,
    ].join("\n"),
  );
  expect(previousHeap).toBeGreaterThan(0);
});
