import { CliError } from "./admin-client.ts";
import { flag, parseArgs } from "./cli-args.ts";
import { commands } from "./commands.ts";

export const HELP = `edge-models — operate the model registry of an edge-inference Worker

usage: npm run models -- <command> [arguments] [--url <url>] [--token <token>] [--json]

commands:
  status [model]                         registry: default, versions, A/B weights, shadows, revisions
  publish <version-dir>                  upload <dir>/manifest.json + its ONNX file; the Worker verifies
                                         schema, sha256, size, ONNX Runtime load, signature and examples
  promote <model> <version>              make <version> the default (ends any A/B split)
  rollback <model>                       back to the previous default (ends any A/B split)
  weights <model> <v>=<w>...             A/B split, weights sum to 1 (e.g. v1=0.9 v2=0.1, or v2=10%)
          [--reshuffle]                  new salt: reassign every subject to an arm
  weights <model> --clear                end the split: everything to the default
  thresholds <model> <name>=<value>...   monitoring thresholds, e.g. rmse_max=0.9 r2_min=0.65 psi_drift=0.3
  shadow <model> <version> [--remove]    score <version> after every response (logged, never returned)
  archive <model> <version>              stop serving a version (kept; restore brings it back)
  restore <model> <version>
  keys create [--name <n>] [--scopes predict,admin]   prints the key once
  keys list
  keys revoke <id>
  audit [model] [--action <a>] [--limit <n>] [--before <id>]

options:
  --url <url>      Worker base URL (env EDGE_URL; default http://127.0.0.1:8000)
  --token <token>  admin token or admin-scoped API key (env EDGE_ADMIN_TOKEN); not needed against a
                   local Worker in open mode (development without ADMIN_TOKEN)
  --json           print the API's JSON instead of a summary
  -h, --help       this help

exit codes: 0 ok, 1 refused by the Worker (the problem is printed), 2 Worker unreachable, 64 usage error

examples:
  npm run models -- publish models/recommender/v5_candidate
  npm run models -- shadow recommender v5_candidate
  npm run models -- weights recommender v4_xgboost=0.9 v5_candidate=0.1
  npm run models -- promote recommender v5_candidate
  npm run models -- rollback recommender
  EDGE_URL=https://edge-inference.example.workers.dev EDGE_ADMIN_TOKEN=... npm run models -- status
`;

export async function main(
  argv: readonly string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  try {
    let args: ReturnType<typeof parseArgs>;
    try {
      args = parseArgs(argv);
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n\n${HELP}`, 64);
    }
    const name = args.positionals[0];
    if (!name || args.flags.has("help") || name === "help") {
      out(HELP);
      return name || args.flags.has("help") || name === "help" ? 0 : 64;
    }
    const command = commands[name];
    if (!command) throw new CliError(`unknown command "${name}"\n\n${HELP}`, 64);
    await command({
      client: {
        url: flag(args, "url") ?? process.env.EDGE_URL ?? "http://127.0.0.1:8000",
        token: flag(args, "token") ?? process.env.EDGE_ADMIN_TOKEN,
      },
      args,
      json: args.flags.has("json"),
      out,
    });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`error: ${error.message}`);
      return error.exitCode;
    }
    console.error(`error: ${String(error)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
