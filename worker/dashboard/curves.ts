/** Moved to worker/tasks/metrics (the classification task draws its own curves); kept for existing imports. */
export * from "../tasks/metrics/classification-curves.ts";
