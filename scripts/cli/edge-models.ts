import { CliError } from "./admin-client.ts";
import { parseArgs } from "./cli-args.ts";
import { commands } from "./commands.ts";
import { mlflowClient } from "./mlflow-sync.ts";
import { retryPolicy } from "./retry.ts";
import { workerUrl } from "./worker-url.ts";

export const HELP = `edge-models — operate the model registry of an edge-inference Worker

usage: npm run models -- <command> [arguments] [--url <url>] [--token <token>] [--json] [--mlflow <url>]

commands:
  status [model]                         registry: default, versions, A/B weights, shadows, revisions
  candidate <version-dir> <model>/<version> [--out <dir>] [--force]
                                         a re-labelled copy (same ONNX bytes, new version name, recomputed
                                         manifest fields) in candidates/<model>/<version>, to rehearse a release
  publish <version-dir>                  upload <dir>/manifest.json + its ONNX file; the Worker verifies
                                         schema, sha256, size, ONNX Runtime load, signature and examples
  publish-mlflow <models:/name/version>  publish a version registered in MLflow (its ONNX file + the run's
                 <models:/name@alias>    manifest.json); needs an MLflow tracking server
  promote <model> <version>              make <version> the default (ends any A/B split)
  rollback <model>                       back to the previous default (ends any A/B split)
  load-version <version>                 the recommender seed's POST /load_version/<version> (= promote)
  sync-mlflow [model]                    point MLflow's champion alias at the Worker's default(s) again
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
  --url <url>      Worker base URL (env EDGE_URL; default http://127.0.0.1:8000); --base / BASE_URL are
                   deprecated aliases that warn
  --token <token>  admin token or admin-scoped API key (env EDGE_ADMIN_TOKEN); not needed against a
                   local Worker in open mode (development without ADMIN_TOKEN)
  --json           print the API's JSON instead of a summary
  --mlflow <url>   MLflow tracking server (env MLFLOW_TRACKING_URI, http(s) only; MLFLOW_TRACKING_TOKEN or
                   MLFLOW_TRACKING_USERNAME/PASSWORD authenticate). When set, promote, rollback and
                   load-version move the registered model's alias "champion" to the version that became the
                   Worker's default, after the Worker accepted it; an MLflow failure is reported, not fatal
  --no-mlflow      ignore MLFLOW_TRACKING_URI
  -h, --help       this help

The Worker's registry is the serving authority; MLflow follows it. A registry write that meets a concurrent
write (HTTP 409 registry-conflict) is retried with exponential backoff and jitter, up to 6 attempts
(EDGE_CLI_RETRIES), each retry announced on stderr.

exit codes: 0 ok, 1 refused by the Worker (the problem is printed), 2 Worker unreachable, 64 usage error

examples:
  npm run models -- candidate models/recommender/v4_xgboost recommender/v5_candidate
  npm run models -- publish candidates/recommender/v5_candidate
  npm run models -- shadow recommender v5_candidate
  npm run models -- weights recommender v4_xgboost=0.9 v5_candidate=0.1
  npm run models -- promote recommender v5_candidate
  npm run models -- rollback recommender
  EDGE_URL=https://edge-inference.example.workers.dev EDGE_ADMIN_TOKEN=... npm run models -- status
  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npm run models -- publish-mlflow models:/recommender/3
`;

/** The commands that read MLflow or keep its champion alias in step; the others never touch it. */
const MLFLOW_COMMANDS = new Set(["promote", "rollback", "load-version", "publish-mlflow", "sync-mlflow"]);

export async function main(
  argv: readonly string[],
  out: (line: string) => void = console.log,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const warn = (line: string) => console.error(line);
  try {
    let args: ReturnType<typeof parseArgs>;
    try {
      args = parseArgs(argv);
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n\n${HELP}`, 64);
    }
    const name = args.positionals[0];
    if (!name || args.values.help || name === "help") {
      out(HELP);
      return name || args.values.help ? 0 : 64;
    }
    const command = commands[name];
    if (!command) throw new CliError(`unknown command "${name}"\n\n${HELP}`, 64);
    await command({
      client: {
        url: workerUrl(args.values, env, warn),
        token: args.values.token ?? env.EDGE_ADMIN_TOKEN,
        warn,
        retry: retryPolicy(env),
      },
      args,
      json: args.values.json === true,
      out,
      warn,
      mlflow: MLFLOW_COMMANDS.has(name) ? mlflowClient(args, env, warn) : null,
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
