/** Moved to worker/tasks/metrics (the task objects compute their own metrics); kept for existing imports. */
export * from "../../tasks/metrics/classification-metrics.ts";
