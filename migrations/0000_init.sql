CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`model` text,
	`version` text,
	`details` text NOT NULL,
	`request_id` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_model_ts` ON `audit_log` (`model`,`ts`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`prediction_id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`actual` real NOT NULL,
	`ts` integer NOT NULL,
	`key_id` text
);
--> statement-breakpoint
CREATE INDEX `feedback_model_ts` ON `feedback` (`model`,`ts`);--> statement-breakpoint
CREATE TABLE `health_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`generated_at` integer NOT NULL,
	`status` text NOT NULL,
	`report` text NOT NULL,
	`r2_key` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `health_reports_model_window` ON `health_reports` (`model`,`window_start`,`window_end`);--> statement-breakpoint
CREATE INDEX `health_reports_model_generated` ON `health_reports` (`model`,`generated_at`);--> statement-breakpoint
CREATE TABLE `predictions` (
	`id` text PRIMARY KEY NOT NULL,
	`ts` integer NOT NULL,
	`request_id` text NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`route` text NOT NULL,
	`subject_hash` text,
	`inputs` text NOT NULL,
	`output` real,
	`label` text,
	`interval_level` real,
	`interval_lower` real,
	`interval_upper` real,
	`latency_ms` real NOT NULL,
	`colo` text,
	`country` text,
	`key_id` text,
	`status` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `predictions_model_ts` ON `predictions` (`model`,`ts`);--> statement-breakpoint
CREATE INDEX `predictions_model_version_ts` ON `predictions` (`model`,`version`,`ts`);