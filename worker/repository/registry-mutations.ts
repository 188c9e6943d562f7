import type { Manifest } from "../contracts/manifest.ts";
import { type FieldError, problems } from "../problems/index.ts";
import { requireServableVersion } from "./choose-version.ts";
import type { ModelRecord, MonitoringThresholds } from "./registry-types.ts";
import { withVersion } from "./registry-writer.ts";
import { trafficWeight, versionEntry } from "./version-lookup.ts";

/**
 * Pure registry changes used by the admin API: each takes the current record and returns the next one,
 * or null when nothing changes. Revision and updated_at are set by the store.
 */
const MAX_PREVIOUS_DEFAULTS = 20;
const WEIGHT_SUM_TOLERANCE = 1e-6;

const withTraffic = (
  record: ModelRecord,
  traffic: Partial<ModelRecord["traffic"]>,
  now: string,
): ModelRecord["traffic"] => ({ ...record.traffic, ...traffic, effective_at: now });

/** A first version creates the model with itself as default; later ones start with no traffic. */
export function addVersion(record: ModelRecord | null, manifest: Manifest, now: string): ModelRecord | null {
  const next = withVersion(record, manifest, now);
  return next === record ? null : next;
}

/**
 * Makes `version` the default. Promoting ends any A/B experiment (weights cleared) so the next request
 * is served by the new default, and drops the version from the shadows.
 */
export function promote(record: ModelRecord, version: string, now: string): ModelRecord | null {
  requireServableVersion(record, version);
  const weighted = Object.keys(record.traffic.weights).length > 0;
  if (record.default === version && !weighted && !record.traffic.shadow.includes(version)) return null;
  const previous =
    record.default === version
      ? (record.previous_defaults ?? [])
      : [...(record.previous_defaults ?? []), record.default].slice(-MAX_PREVIOUS_DEFAULTS);
  return {
    ...record,
    default: version,
    previous_defaults: previous,
    traffic: withTraffic(
      record,
      { weights: {}, shadow: record.traffic.shadow.filter((shadow) => shadow !== version) },
      now,
    ),
  };
}

/** Returns to the most recent earlier default that is still active (an undo stack), ending any A/B split. */
export function rollback(record: ModelRecord, now: string): { record: ModelRecord; to: string } {
  const previous = [...(record.previous_defaults ?? [])];
  while (previous.length > 0) {
    const candidate = previous.pop() as string;
    if (candidate !== record.default && versionEntry(record, candidate)?.status === "active") {
      return {
        to: candidate,
        record: {
          ...record,
          default: candidate,
          previous_defaults: previous,
          traffic: withTraffic(
            record,
            { weights: {}, shadow: record.traffic.shadow.filter((shadow) => shadow !== candidate) },
            now,
          ),
        },
      };
    }
  }
  throw problems.noPreviousVersion(record.name);
}

/** Validates and sets A/B weights: active versions, each in [0, 1], summing to 1; `{}` ends the split. */
export function setWeights(
  record: ModelRecord,
  weights: Record<string, number>,
  now: string,
  reshuffle = false,
): ModelRecord {
  const errors: FieldError[] = [];
  let sum = 0;
  for (const [version, weight] of Object.entries(weights)) {
    const entry = versionEntry(record, version);
    if (!entry) errors.push({ field: `weights.${version}`, message: "no such version" });
    else if (entry.status !== "active") errors.push({ field: `weights.${version}`, message: "is archived" });
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) {
      errors.push({ field: `weights.${version}`, message: "must be between 0 and 1" });
    }
    sum += weight;
  }
  if (Object.keys(weights).length > 0 && Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    errors.push({ field: "weights", message: `must sum to 1, got ${Number(sum.toFixed(9))}` });
  }
  if (errors.length > 0) throw problems.validation(errors);
  const positive = Object.fromEntries(Object.entries(weights).filter(([, weight]) => weight > 0));
  return {
    ...record,
    traffic: withTraffic(
      record,
      { weights: positive, ...(reshuffle ? { salt: crypto.randomUUID() } : {}) },
      now,
    ),
  };
}

export function addShadow(record: ModelRecord, version: string, now: string): ModelRecord | null {
  requireServableVersion(record, version);
  if (version === record.default) {
    throw problems.shadowIsDefault(version);
  }
  if (record.traffic.shadow.includes(version)) return null;
  return {
    ...record,
    traffic: withTraffic(record, { shadow: [...record.traffic.shadow, version].sort() }, now),
  };
}

export function removeShadow(record: ModelRecord, version: string, now: string): ModelRecord | null {
  if (!record.traffic.shadow.includes(version)) return null;
  return {
    ...record,
    traffic: withTraffic(record, { shadow: record.traffic.shadow.filter((entry) => entry !== version) }, now),
  };
}

/** Archived versions stop being served but keep their bytes and manifest; `restore` brings them back. */
export function archive(record: ModelRecord, version: string, now: string): ModelRecord | null {
  const entry = versionEntry(record, version);
  if (!entry) requireServableVersion(record, version);
  if (entry?.status === "archived") return null;
  if (record.default === version) {
    throw problems.versionIsDefault(record.name, version);
  }
  if (trafficWeight(record, version) > 0) {
    throw problems.versionInAbTest(version, trafficWeight(record, version));
  }
  return {
    ...record,
    versions: {
      ...record.versions,
      [version]: { ...(entry as NonNullable<typeof entry>), status: "archived" },
    },
    traffic: withTraffic(
      record,
      { shadow: record.traffic.shadow.filter((shadow) => shadow !== version) },
      now,
    ),
  };
}

export function restore(record: ModelRecord, version: string): ModelRecord | null {
  const entry = versionEntry(record, version);
  if (!entry) requireServableVersion(record, version);
  if (entry?.status === "active") return null;
  return {
    ...record,
    versions: {
      ...record.versions,
      [version]: { ...(entry as NonNullable<typeof entry>), status: "active" },
    },
  };
}

/** Overrides some monitoring thresholds; the rest keep their values. The cron reads them on its next run. */
export function setThresholds(record: ModelRecord, patch: Partial<MonitoringThresholds>): ModelRecord | null {
  const thresholds = { ...record.thresholds, ...patch };
  if (thresholds.psi_warn >= thresholds.psi_drift) {
    throw problems.validation([
      { field: "psi_warn", message: `must be below psi_drift (${thresholds.psi_drift})` },
    ]);
  }
  const unchanged = Object.entries(patch).every(
    ([key, value]) => record.thresholds[key as keyof MonitoringThresholds] === value,
  );
  return unchanged ? null : { ...record, thresholds };
}
