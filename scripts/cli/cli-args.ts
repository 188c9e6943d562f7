/** The CLI's options, parsed by node:util parseArgs (strict: an unknown option is a usage error). */
import { parseArgs as parseNodeArgs } from "node:util";

const OPTIONS = {
  url: { type: "string" },
  base: { type: "string" }, // deprecated alias of --url (the demo's old flag)
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  remove: { type: "boolean" },
  clear: { type: "boolean" },
  reshuffle: { type: "boolean" },
  force: { type: "boolean" },
  model: { type: "string" },
  scopes: { type: "string" },
  name: { type: "string" },
  action: { type: "string" },
  limit: { type: "string" },
  before: { type: "string" },
  out: { type: "string" },
  mlflow: { type: "string" },
  "no-mlflow": { type: "boolean" },
} as const;

export interface ParsedArgs {
  positionals: string[];
  values: ReturnType<typeof parse>["values"];
}

const parse = (argv: readonly string[]) =>
  parseNodeArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const { values, positionals } = parse(argv);
  return { positionals, values };
}
