DROP INDEX `feedback_model_ts`;--> statement-breakpoint
-- Re-key labels of sealed ids (p1_…) to feedbackKey(id) = 'p1_' || the id's last 22 characters (its MAC): the
-- full id is 78–133 characters, stored twice (row + primary-key index). Legacy ids keep their key.
UPDATE `feedback` SET `prediction_id` = 'p1_' || substr(`prediction_id`, -22)
  WHERE substr(`prediction_id`, 1, 3) = 'p1_' AND length(`prediction_id`) > 25;
