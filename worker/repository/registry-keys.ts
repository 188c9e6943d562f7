export const MODEL_PREFIX = "model:";

export const modelKey = (model: string): string => `${MODEL_PREFIX}${model}`;
export const manifestKey = (model: string, version: string): string => `manifest:${model}:${version}`;
export const apiKeyKey = (keyHash: string): string => `apikey:${keyHash}`;

export const artifactKey = (model: string, version: string): string =>
  `models/${model}/${version}/model.onnx`;
export const artifactManifestKey = (model: string, version: string): string =>
  `models/${model}/${version}/manifest.json`;
/** The compact engine's compiled form of a version, one object per format version. */
export const compiledKey = (model: string, version: string, formatVersion: number): string =>
  `models/${model}/${version}/compiled/f${formatVersion}.bin`;
