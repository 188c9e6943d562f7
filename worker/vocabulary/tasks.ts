/** What a model predicts. The manifest, the OpenAPI views, the log and the Python package all read this list. */
export const TASKS = ["regression", "binary_classification", "multiclass_classification"] as const;
export type TaskName = (typeof TASKS)[number];
