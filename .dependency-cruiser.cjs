// Import rules for worker/, checked by `npm run check:layers` (with scripts/ci/check-folder-cycles.ts for
// cycles between top folders). Layers come from scripts/ci/worker-layout.json, the one list of worker/ folders.
const { folders } = require("./scripts/ci/worker-layout.json");

const escapeRegExp = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const anyOf = (names) => `^worker/(${names.map(escapeRegExp).join("|")})/`;

const layerRules = folders
  .map(({ folder, layer }) => {
    // worker/http is covered by domain-not-to-http.
    const higher = folders
      .filter((other) => other.layer > layer && other.folder !== "http")
      .map((other) => other.folder);
    if (higher.length === 0) return null;
    return {
      name: `layer-${folder}`,
      comment: `worker/${folder} (layer ${layer}) must not import a higher layer: ${higher.join(", ")}`,
      severity: "error",
      from: { path: anyOf([folder]) },
      to: { path: anyOf(higher) },
    };
  })
  .filter(Boolean);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "modules must not import each other, directly or through others (type-only imports count)",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-not-to-http",
      comment: "only the entry point and worker/http know about HTTP; domain code raises domain errors",
      severity: "error",
      from: { path: "^worker/", pathNot: ["^worker/http/", "^worker/index\\.ts$"] },
      to: { path: "^worker/http/" },
    },
    {
      name: "worker-not-to-tooling",
      comment: "the Worker bundle must not reach into tests or scripts",
      severity: "error",
      from: { path: "^worker/" },
      to: { path: "^(test|scripts|bench)/" },
    },
    {
      name: "known-top-folder",
      comment: "every top folder of worker/ is listed (with its layer) in scripts/ci/worker-layout.json",
      severity: "error",
      from: { path: "^worker/[^/]+/", pathNot: anyOf(folders.map((entry) => entry.folder)) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    includeOnly: "^worker/",
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
