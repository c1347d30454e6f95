CREATE TABLE `finished_counts` (
	`queue` text NOT NULL,
	`state` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`queue`, `state`)
);
