import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.x writes flat NNNN_name.sql files, the layout `wrangler d1 migrations apply` reads.
// Migrations are applied only through wrangler; the filter keeps `generate` away from wrangler's own table.
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/monitoring/store/schema.ts",
  out: "./migrations",
  tablesFilter: ["!d1_migrations", "!_cf_*"],
});
