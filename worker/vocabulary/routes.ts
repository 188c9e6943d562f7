/** How a request reached a version: named explicitly, the model's default, or an A/B draw. */
export const SERVING_ROUTES = ["explicit", "default", "ab"] as const;
export type ServingRoute = (typeof SERVING_ROUTES)[number];

/** What a logged row records beside the serving routes: shadow scores and recommended items. */
export const LOG_ROUTES = [...SERVING_ROUTES, "shadow", "recommend"] as const;
export type LogRoute = (typeof LOG_ROUTES)[number];
