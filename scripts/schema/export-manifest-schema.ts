import { writeFileSync } from "node:fs";
import { z } from "zod";
import { manifestSchema } from "../../worker/schemas/manifest.ts";

/** Writes the JSON Schema of the manifest (input side: defaults optional) for the Python training package. */
const target = new URL("../../schemas/manifest.schema.json", import.meta.url);
const jsonSchema = z.toJSONSchema(manifestSchema, { io: "input", unrepresentable: "any" });
writeFileSync(target, `${JSON.stringify({ title: "Model manifest", ...jsonSchema }, null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
