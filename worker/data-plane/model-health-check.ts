import { withModelSession } from "../inference/model-sessions.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { readManifest, readModelRecord } from "../repository/registry-reader.ts";

interface ModelHealthCheck {
  status: "healthy" | "unhealthy";
  model: string;
  model_loaded: boolean;
  version: string | null;
  detail?: string;
}

/** Liveness of one model: it is registered, its manifest parses and its artifact loads into its engine. */
export async function checkModelHealth(
  { env }: Pick<RequestScope, "env">,
  model: string,
): Promise<ModelHealthCheck> {
  try {
    const record = await readModelRecord(env.REGISTRY, model);
    if (!record)
      return {
        status: "unhealthy",
        model,
        model_loaded: false,
        version: null,
        detail: "model not published",
      };
    const manifest = await readManifest(env.REGISTRY, model, record.default);
    await withModelSession(env.ARTIFACTS, manifest, async () => undefined);
    return { status: "healthy", model, model_loaded: true, version: record.default };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { status: "unhealthy", model, model_loaded: false, version: null, detail };
  }
}
