/**
 * The results that flow from the fill and verify into the report: the keyspace's parameters,
 * what each node received, and what verify found. Re-exported by `types.ts`, the contracts'
 * one import.
 *
 * @module
 */

/** A TTL in seconds: every key gets a value in [min, max]. */
export interface TtlRange {
  /** Smallest TTL in seconds (≥ 1). */
  min: number;
  /** Largest TTL in seconds (≥ min). */
  max: number;
}

/** The parameters that define a keyspace: key i and value i are pure functions of these. */
export interface KeyspaceParams {
  /** Number of keys N. */
  count: number;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes. */
  valueSize: number;
  /** Seed for values (and TTLs). */
  seed: number;
  /** Key prefix (printable ASCII). */
  prefix: string;
  /** TTL for every key, or none. */
  ttl?: TtlRange | undefined;
  /**
   * The data shapes and their shares of the keys (lib/shapes), options as written; none means
   * strings of `valueSize` bytes. With shapes, `valueSize` is the mean bytes of contents per key.
   */
  shapes?: readonly KeyspaceShape[] | undefined;
  /** Fraction (0 … 0.9) of each value that repeats one byte (default 0). */
  compressibility?: number | undefined;
  /**
   * Digits of the zero-padded index, when more than N needs (a fill that grows N while it runs,
   * `until-memory`, keeps its keys the same).
   */
  indexWidth?: number | undefined;
}

/** One data shape of a keyspace: a shape's name, its share of the keys, its options. */
export interface KeyspaceShape {
  /** A built-in shape (`string`, `hash`, `list`, `set`, `zset`, `stream`) or a plugin's name. */
  type: string;
  /** Relative share of the keys. */
  share: number;
  /** The shape's options as written (`fields: 10-50`). */
  options: Record<string, unknown>;
  /** The module a plugin shape came from (an absolute path or URL). */
  uses?: string | undefined;
}

/** Which part of 0 … N-1 this run writes: indices i with i mod count == index. */
export interface Shard {
  /** This part, 0 ≤ index < count. */
  index: number;
  /** Number of parts. */
  count: number;
}

/**
 * What one master's own counters (`INFO stats`, `INFO errorstats`) grew by during a fill.
 * Server-wide: every client's commands count, not only the fill's.
 */
export interface NodeServerCounters {
  /** Node id. */
  nodeId: string;
  /** `host:port`. */
  address: string;
  /** Whether the counters were read (false: `INFO` refused or the node unreachable). */
  read: boolean;
  /** Why they were not read, or why the last reading failed. */
  reason?: string | undefined;
  /** `evicted_keys` grew by this much. */
  evictedKeys: number;
  /** `expired_keys` grew by this much (the fill's own TTL keys expiring count too). */
  expiredKeys: number;
  /** `total_error_replies` grew by this much. */
  errorReplies: number;
  /** `rejected_calls` grew by this much. */
  rejectedCalls: number;
  /** `errorstat_<PREFIX>` counts that grew, by prefix (`OOM`, `NOPERM`, `MOVED`, …). */
  errors: Record<string, number>;
}

/** The masters' own counters over a fill: read before it, at each barrier and after it. */
export interface ServerCounters {
  /** Whether any master's counters could be read. */
  read: boolean;
  /** How many times they were read. */
  readings: number;
  /** Per master (every master the fill wrote to). */
  nodes: NodeServerCounters[];
}

/** How a master's replicas acknowledged its writes (`durability: replicas`). */
export interface NodeReplication {
  /** Replicas the fill waited for (the master's replicas in the topology). */
  wanted: number;
  /** The fewest replicas that acknowledged one writer's writes (`WAIT`'s reply). */
  acknowledged: number;
}

/** What one node received during a fill. */
export interface NodeFillResult {
  /** Node id. */
  nodeId: string;
  /** `host:port`. */
  address: string;
  /** Keys sent to the node. */
  keys: number;
  /** Bytes of keys and values sent to the node. */
  bytes: number;
  /** Replies counted in acked mode (`+OK`). */
  acked: number;
  /** Error replies counted in acked mode. */
  errors: number;
  /** The first few distinct error replies, quoted. */
  firstErrors: string[];
  /** DBSIZE after the fill, when it could be read. */
  dbsize?: number | undefined;
  /** With `durability: replicas`: how many replicas acknowledged the node's writes. */
  replication?: NodeReplication | undefined;
}

/** What a fill did. */
export interface FillResult {
  /** The keyspace written (or declared, for a verify-only pipeline). */
  keyspace: KeyspaceParams;
  /** The part of the keyspace this run wrote. */
  shard: Shard;
  /** Whether data was written by this run (false: declared only, for verify). */
  written: boolean;
  /** Whether FLUSHALL ran on every master first (key counts must then be exact). */
  flushed: boolean;
  /** Acked mode (`--replies`). */
  acked: boolean;
  /** Keys sent. */
  keys: number;
  /** Bytes of keys and values sent. */
  bytes: number;
  /** Wall time of the fill in milliseconds. */
  durationMs: number;
  /** Client CPU seconds used during the fill (user + system). */
  cpuSeconds: number;
  /** Peak resident memory of the client in bytes. */
  peakRssBytes: number;
  /** Per node. */
  nodes: NodeFillResult[];
  /** Error replies in all (acked mode). */
  errors: number;
  /** Whether the fill was interrupted (Ctrl-C). */
  interrupted: boolean;
  /** A fill to a memory level (`until-memory`): the target and what each master reached. */
  memory?: FillMemoryTarget | undefined;
  /** The masters' own counters during the fill; absent for a declared keyspace. */
  server?: ServerCounters | undefined;
  /** `durability: replicas`: every writer ended with `WAIT`. */
  waitedForReplicas?: boolean | undefined;
  /** Slots re-sent, acked, because they moved or were migrating at a barrier. */
  resentSlots?: number | undefined;
  /** When the fill started writing (ms since the epoch); absent for a declared keyspace. */
  startedAt?: number | undefined;
  /** When the fill's last barrier returned (ms since the epoch); absent for a declared keyspace. */
  endedAt?: number | undefined;
  /** What limited the fill, when its CPU was sampled (a fill that wrote; not a declared one). */
  limit?: FillLimit | undefined;
}

/** One master's load during a fill, from its `INFO cpu` and `INFO stats`. */
export interface FillLimitServer {
  /** `host:port`. */
  address: string;
  /** Cores its main thread used on average (CPU seconds per wall second). */
  cpu: number;
  /** Bytes it received per second (`total_net_input_bytes`), in MiB/s. */
  inputMibPerSecond: number;
  /** Commands it processed per second. */
  opsPerSecond: number;
}

/** What limited a fill: the verdict and the numbers behind it. */
export interface FillLimit {
  /** The verdict; `unknown` when the servers' CPU could not be read and the client was idle. */
  kind: "server-bound" | "client-bound" | "rate-capped" | "latency-bound" | "unknown";
  /** One line with the numbers: `server-bound (127.0.0.1:7001 used 0.97 of a core; …)`. */
  summary: string;
  /** Cores the client used on average. */
  clientCpu: number;
  /** Cores the busiest master used on average; null when INFO was not available. */
  serverCpuMax: number | null;
  /** Per master (empty when INFO was not available). */
  servers: FillLimitServer[];
  /** Why the servers' CPU is unknown, or null. */
  unavailable: string | null;
}

/** What a fill to a memory level aimed at and reached. */
export interface FillMemoryTarget {
  /** The target as written: `80%` or `3GiB`. */
  target: string;
  /** Bytes per key measured on the first slice (used_memory growth / keys). */
  bytesPerKey: number;
  /** Per master: its target and the used_memory it reached. */
  nodes: { address: string; targetBytes: number; usedMemory: number }[];
}

/** One check of verify. */
export interface VerifyCheck {
  /** Short name: `count`, `distribution`, `content`, `ttl`, `memory`. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** One sentence with the numbers. */
  detail: string;
}

/** A key named in a verify finding: its index and the key as shown (filler elided). */
export interface KeyRef {
  /** The key's index i. */
  index: number;
  /** The key: prefix, tag and index, then `…` for the filler. */
  key: string;
  /** What differs in it, when its shape says (`member "3:ab" has score 5, expected 3`). */
  detail?: string | undefined;
}

/** A master replaced by its replica between the fill and verify. */
export interface VerifyFailover {
  /** `host:port` of the master that was lost. */
  from: string;
  /** `host:port` of the master serving its slots now. */
  to: string;
}

/** What verify found on one master. */
export interface NodeVerifyResult {
  /** Node id. */
  nodeId: string;
  /** `host:port`. */
  address: string;
  /** Slots the node serves. */
  slots: number;
  /** This fill's keys found on it (`count: exact`), or its DBSIZE (`count: fast`). */
  keys: number;
  /** This fill's keys it lacks (`count: exact` or `content: full`). */
  missing?: number | undefined;
  /** DBSIZE: every key it holds, this fill's and any other's. */
  dbsize?: number | undefined;
  /** Keys expected by slot share. */
  expectedKeys: number;
  /**
   * (keys - expected) / expected when counts are exact (flushed, unsharded); otherwise the
   * same for the master's share of the keys found against its share of the keys expected.
   */
  deviation: number;
  /** used_memory in bytes. */
  usedMemory: number;
  /** maxmemory in bytes (0 = none). */
  maxMemory: number;
}

/** What verify found. */
export interface VerifyResult {
  /** Pass or fail. */
  ok: boolean;
  /** Every check with its numbers. */
  checks: VerifyCheck[];
  /** Keys found in all. */
  totalKeys: number;
  /** Keys expected in all. */
  expectedKeys: number;
  /** The largest absolute deviation from the slot share, as a fraction. */
  maxDeviation: number;
  /** Tolerance used, as a fraction. */
  tolerance: number;
  /** Keys sampled and compared. */
  sampled: number;
  /** Sampled keys that were missing or different. */
  mismatched: number;
  /** Per master. */
  nodes: NodeVerifyResult[];
  /** How keys were counted: `exact` (this fill's keys, by EXISTS) or `fast` (DBSIZE: at least). */
  count?: "exact" | "fast" | undefined;
  /** Whether a sample of the keys or every key was read back and compared. */
  content?: "sample" | "full" | undefined;
  /** Keys the exact count or the full read looked at (0 for a fast count and a sample). */
  checkedKeys?: number | undefined;
  /** How fast the exact count or the full read went, in keys per second. */
  keysPerSecond?: number | undefined;
  /** The first missing keys, by index (exact count or full read). */
  missingKeys?: KeyRef[] | undefined;
  /** The first keys whose contents differ, by index (full read). */
  wrongKeys?: KeyRef[] | undefined;
  /** Masters replaced by a replica before verify counted. */
  failovers?: VerifyFailover[] | undefined;
}
