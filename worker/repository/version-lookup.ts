import type { ModelRecord, VersionRecord } from "./registry-types.ts";

// Version names are client input and `constructor` is a valid slug: never read an inherited property.

export function versionEntry(record: ModelRecord, version: string): VersionRecord | undefined {
  return Object.hasOwn(record.versions, version) ? record.versions[version] : undefined;
}

export function trafficWeight(record: ModelRecord, version: string): number {
  return Object.hasOwn(record.traffic.weights, version) ? (record.traffic.weights[version] ?? 0) : 0;
}
