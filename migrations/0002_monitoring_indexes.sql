CREATE INDEX `feedback_ts` ON `feedback` (`ts`);--> statement-breakpoint
CREATE INDEX `predictions_ts` ON `predictions` (`ts`);