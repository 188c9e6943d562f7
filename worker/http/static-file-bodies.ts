import dashboardApp from "../../.generated/static/dashboard/app.js.txt";
import dashboardCharts from "../../.generated/static/dashboard/charts.js.txt";
import dashboardCss from "../../.generated/static/dashboard/dashboard.css.txt";
import uPlotJs from "../../.generated/static/dashboard/vendor/uPlot.iife.min.js.txt";
import uPlotCss from "../../.generated/static/dashboard/vendor/uPlot.min.css.txt";
import dashboardHtml from "../../.generated/static/dashboard.html.txt";
import docsInit from "../../.generated/static/docs/init.js.txt";
import swaggerUiCss from "../../.generated/static/docs/swagger-ui.css.txt";
import swaggerUiJs from "../../.generated/static/docs/swagger-ui-bundle.js.txt";
import type { StaticFileBodies } from "./routes/static-routes.ts";

/**
 * The browser files as text modules (staged into .generated/static by scripts/assets/stage-static-files.ts,
 * which `npm ci` runs as `prepare` and wrangler as its [build] command). Imported only by the Worker's entry:
 * Node tooling that builds the app to list its routes cannot load text modules.
 */
export const STATIC_FILE_BODIES: StaticFileBodies = {
  "/dashboard": dashboardHtml,
  "/dashboard/app.js": dashboardApp,
  "/dashboard/charts.js": dashboardCharts,
  "/dashboard/dashboard.css": dashboardCss,
  "/dashboard/vendor/uPlot.iife.min.js": uPlotJs,
  "/dashboard/vendor/uPlot.min.css": uPlotCss,
  "/docs/init.js": docsInit,
  "/docs/swagger-ui-bundle.js": swaggerUiJs,
  "/docs/swagger-ui.css": swaggerUiCss,
};
