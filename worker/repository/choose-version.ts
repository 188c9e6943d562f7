import { derivedPerObject } from "../platform/derived-per-object.ts";
import { problems } from "../problems/index.ts";
import type { ServingRoute } from "../vocabulary/index.ts";
import type { ModelRecord } from "./registry-types.ts";
import { versionEntry } from "./version-lookup.ts";

export type Route = ServingRoute;

export interface RouteDecision {
  version: string;
  route: Route;
}

interface RouteRequest {
  /** A version the caller named; wins over everything else. */
  explicitVersion?: string | undefined;
  /**
   * The caller's A/B wish: undefined follows the registry (split when weights are set), true asks for a
   * split (configured weights, else equal weights over active versions), false pins the default.
   */
  ab?: boolean | undefined;
  /** Stable identity for sticky assignment; null draws at random. */
  subject: string | null;
}

export function activeVersions(record: ModelRecord): string[] {
  return Object.entries(record.versions)
    .filter(([, version]) => version.status === "active")
    .map(([name]) => name)
    .sort();
}

export function requireServableVersion(record: ModelRecord, version: string): string {
  const entry = versionEntry(record, version);
  if (!entry) {
    throw problems.versionNotFound(record.name, version, Object.keys(record.versions));
  }
  if (entry.status !== "active") {
    throw problems.versionArchived(record.name, version);
  }
  return version;
}

/** A uniform number in [0, 1) from a stable hash of (model, salt, subject). */
export async function stableUnit(model: string, salt: string, subject: string): Promise<number> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${model}\u0000${salt}\u0000${subject}`),
  );
  const view = new DataView(digest);
  // 53 bits keep the division exact in a double.
  return (view.getUint32(0) * 2 ** 21 + (view.getUint32(4) >>> 11)) / 2 ** 53;
}

export function pickByWeight(weights: ReadonlyArray<readonly [string, number]>, unit: number): string {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let cumulative = 0;
  for (const [version, weight] of weights) {
    cumulative += weight / total;
    if (unit < cumulative) return version;
  }
  const last = weights[weights.length - 1];
  if (!last) throw new Error("no weights to pick from");
  return last[0];
}

/** The configured split per record object (records are read-only, and cached per isolate by the reader). */
const configuredSplit = derivedPerObject((record: ModelRecord): Array<[string, number]> => {
  const active = new Set(activeVersions(record));
  return Object.entries(record.traffic.weights)
    .filter(([version, weight]) => active.has(version) && weight > 0)
    .sort(([a], [b]) => a.localeCompare(b));
});

function splitWeights(record: ModelRecord, ab: boolean | undefined): Array<[string, number]> {
  const configured = configuredSplit(record);
  if (configured.length > 0) return configured;
  if (ab === true) return activeVersions(record).map((version) => [version, 1]);
  return [];
}

/** Explicit version > A/B by weight (sticky per subject) > default. */
export async function chooseVersion(record: ModelRecord, request: RouteRequest): Promise<RouteDecision> {
  if (request.explicitVersion) {
    return { version: requireServableVersion(record, request.explicitVersion), route: "explicit" };
  }
  if (request.ab !== false) {
    const weights = splitWeights(record, request.ab);
    if (weights.length > 1 || (weights.length === 1 && weights[0]?.[0] !== record.default)) {
      const unit = request.subject
        ? await stableUnit(record.name, record.traffic.salt, request.subject)
        : Math.random();
      return { version: pickByWeight(weights, unit), route: "ab" };
    }
  }
  return { version: requireServableVersion(record, record.default), route: "default" };
}
