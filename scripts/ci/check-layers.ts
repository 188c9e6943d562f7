// `npm run check:layers`: the import rules of worker/ (.dependency-cruiser.cjs: no module cycles, layers, only
// worker/http knows HTTP) plus no cycle between top folders, which dependency-cruiser does not check by itself.
// Exits non-zero and lists every offending import.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Dependency {
  resolved: string;
}
interface CruiseModule {
  source: string;
  dependencies: Dependency[];
}
interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}
interface CruiseResult {
  modules: CruiseModule[];
  summary: { violations: Violation[]; totalCruised: number };
}
interface LayoutEntry {
  folder: string;
  layer: number;
}

const root = join(import.meta.dirname, "..", "..");

function cruise(): CruiseResult {
  const binary = join(root, "node_modules", ".bin", "depcruise");
  const run = spawnSync(binary, ["worker", "--config", ".dependency-cruiser.cjs", "--output-type", "json"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise produced no output (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseResult;
}

function topFolder(path: string): string | null {
  const match = /^worker\/([^/]+)\//.exec(path);
  return match?.[1] ?? null;
}

/** Folder graph: edge a -> b with the module imports behind it. */
function folderGraph(modules: CruiseModule[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const module of modules) {
    const from = topFolder(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = topFolder(dependency.resolved);
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${module.source} → ${dependency.resolved}`]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function folderCycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

const layout = JSON.parse(readFileSync(join(root, "scripts/ci/worker-layout.json"), "utf8")) as {
  folders: LayoutEntry[];
};
const layers = new Map(layout.folders.map((entry) => [entry.folder, entry.layer]));

function layoutProblems(): string[] {
  const listed = new Set(layout.folders.map((entry) => entry.folder));
  const present = readdirSync(join(root, "worker"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(root, "worker", entry.name)).length > 0)
    .map((entry) => entry.name);
  return [
    ...present
      .filter((folder) => !listed.has(folder))
      .map(
        (folder) => `worker/${folder}/ is not listed in scripts/ci/worker-layout.json (add it with a layer)`,
      ),
    ...[...listed]
      .filter((folder) => !present.includes(folder))
      .map((folder) => `scripts/ci/worker-layout.json lists worker/${folder}/, which does not exist`),
  ];
}

const result = cruise();
const failures: string[] = layoutProblems();
for (const violation of result.summary.violations) {
  failures.push(`${violation.rule.name}: ${violation.from} → ${violation.to}`);
}
const graph = folderGraph(result.modules);
for (const component of folderCycles(graph)) {
  failures.push(`folder cycle among worker/{${component.join(",")}}; the imports that go up or sideways:`);
  for (const from of component) {
    for (const [to, imports] of graph.get(from) ?? []) {
      // Downward imports inside the cycle are allowed; the cycle is closed by the others.
      if (!component.includes(to) || (layers.get(from) ?? 0) > (layers.get(to) ?? 0)) continue;
      failures.push(...imports.map((line) => `    ${from} → ${to}: ${line}`));
    }
  }
}

if (failures.length > 0) {
  console.error(failures.join("\n"));
  console.error(
    `\ncheck:layers failed: ${failures.length} finding(s) in ${result.summary.totalCruised} modules`,
  );
  process.exit(1);
}
console.log(
  `check:layers ok: ${result.summary.totalCruised} modules under worker/, no module or folder cycle, layers respected`,
);
