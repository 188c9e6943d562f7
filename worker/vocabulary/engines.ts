/** Engines that serve a version, and the publish-time choice (`auto` picks compact when the graph fits). */
export const ENGINES = ["compact", "onnxruntime-web"] as const;
export type EngineName = (typeof ENGINES)[number];
export const ENGINE_CHOICES = ["auto", ...ENGINES] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
