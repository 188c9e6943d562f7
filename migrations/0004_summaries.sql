CREATE TABLE `ingested_messages` (
	`message_id` text PRIMARY KEY NOT NULL,
	`ts` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingested_messages_ts` ON `ingested_messages` (`ts`);--> statement-breakpoint
CREATE TABLE `monitoring_summaries` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` text NOT NULL,
	`route` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`bucket_ms` integer NOT NULL,
	`kind` text NOT NULL,
	`revision` integer DEFAULT 0 NOT NULL,
	`writer` text,
	`records` integer NOT NULL,
	`summary` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `monitoring_summaries_model_bucket` ON `monitoring_summaries` (`model`,`bucket_start`);--> statement-breakpoint
CREATE INDEX `monitoring_summaries_kind_bucket` ON `monitoring_summaries` (`kind`,`bucket_ms`,`bucket_start`);--> statement-breakpoint
CREATE INDEX `monitoring_summaries_bucket` ON `monitoring_summaries` (`bucket_start`);--> statement-breakpoint
ALTER TABLE `feedback` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `feedback` ADD `version` text;