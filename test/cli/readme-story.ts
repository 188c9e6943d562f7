/** The README's "Releasing a model version" commands, parsed from README.md so the tests run them verbatim. */
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;

export function readmeReleaseCommands(): string[][] {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Releasing a model version"));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README: no bash block under 'Releasing a model version'");
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const prefix = "npm run models -- ";
      if (!line.startsWith(prefix)) throw new Error(`README release step is not an ops CLI call: ${line}`);
      return line.slice(prefix.length).split(/\s+/);
    });
}
