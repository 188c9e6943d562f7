ALTER TABLE `predictions` ADD `summarised` integer;--> statement-breakpoint
CREATE INDEX `predictions_unsummarised` ON `predictions` (`ts`,`id`) WHERE summarised IS NULL;