/** What an API key may do: `predict` calls models, `admin` manages versions, keys and thresholds. */
export const SCOPES = ["predict", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
