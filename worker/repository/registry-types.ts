import type { MonitoringThresholds } from "../monitoring/thresholds.ts";
import type { EngineName, Scope, VersionStatus } from "../vocabulary/index.ts";

/** KV `model:<name>`: the registry entry of one model. Written only through the admin API. */
export interface VersionRecord {
  status: VersionStatus;
  sha256: string;
  bytes: number;
  published_at: string;
  /** The engine chosen at publish (absent for versions published before engines were recorded). */
  engine?: EngineName;
  /** The compact engine's compiled form as published (R2 models/<m>/<v>/compiled/f<format_version>.bin). */
  compiled?: { format_version: number; sha256: string; bytes: number; retained_bytes: number };
}

export interface TrafficConfig {
  /** A/B weights by version, summing to 1; empty means everything goes to the default. */
  weights: Record<string, number>;
  /** Versions scored after the response and only logged. */
  shadow: string[];
  /** Mixed into the sticky-assignment hash; a new salt reshuffles subjects across arms. */
  salt: string;
  effective_at: string;
}

/** Defined beside the drift and health code that reads it. */
export type { MonitoringThresholds } from "../monitoring/thresholds.ts";

export interface ModelRecord {
  name: string;
  default: string;
  versions: Record<string, VersionRecord>;
  traffic: TrafficConfig;
  thresholds: MonitoringThresholds;
  /** Earlier defaults, most recent last: `rollback` returns to the last one still active. */
  previous_defaults?: string[];
  /** Incremented by every write; writers compare-and-set on it. */
  revision: number;
  updated_at: string;
}

/** KV `apikey:<sha256(key)>`. The key itself is never stored. */
export interface ApiKeyRecord {
  id: string;
  name?: string;
  scopes: Scope[];
  created_at: string;
  revoked_at?: string;
}
