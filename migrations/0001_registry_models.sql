CREATE TABLE `registry_models` (
	`model` text PRIMARY KEY NOT NULL,
	`revision` integer NOT NULL,
	`record` text NOT NULL,
	`updated_at` integer NOT NULL
);
