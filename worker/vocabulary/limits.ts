/** The most rows one prediction request may score (`instances`, the recommender's batch, a publish's examples). */
export const MAX_BATCH_ROWS = 1000;

/** The most ground-truth items one feedback request may report. */
export const MAX_FEEDBACK_ITEMS = 1000;
