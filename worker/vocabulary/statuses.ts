/** A model's monitored health, as reports, alerts and the dashboard state it. */
export const HEALTH_STATUSES = ["healthy", "warning", "unhealthy", "no_data"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** A version in the registry. */
export const VERSION_STATUSES = ["active", "archived"] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** A logged request's outcome. */
export const LOG_STATUSES = ["ok", "error"] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

/** A feature's drift verdict, as reports and the dashboard state it. */
export const DRIFT_STATUSES = ["ok", "warn", "drift", "insufficient_data"] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];
