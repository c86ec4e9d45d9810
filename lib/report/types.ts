/**
 * The run report's types, written out: the public API (`mod.ts`) names them, and `deno
 * publish` wants public types explicit rather than inferred from the zod schemas. `model.ts`
 * checks at compile time that its schema's output is exactly these types, so the two cannot
 * drift apart: change both together.
 *
 * @module
 */

/** The target as a report may show it: never the password. */
export interface ReportTarget {
  /** host:port of the seed node. */
  address: string;
  /** The mode asked for. */
  mode: "standalone" | "cluster" | "auto" | "proxy";
  /** Whether the connection uses TLS. */
  tls: boolean;
  /** ACL user name, or null for the default user. */
  username: string | null;
}

/** One node of the topology. */
export interface ReportNode {
  /** Cluster node id, or "standalone". */
  id: string;
  /** host:port. */
  address: string;
  /** Master or replica. */
  role: "master" | "replica";
  /** For a replica, its master's id. */
  masterId: string | null;
  /** Hash slots the node serves (0 for a replica). */
  slots: number;
}

/** What one master received during the fill. */
export interface ReportFillNode {
  /** The node's id. */
  nodeId: string;
  /** host:port. */
  address: string;
  /** Keys sent to the node. */
  keys: number;
  /** Bytes of keys and values sent to the node. */
  bytes: number;
  /** DBSIZE right after the fill, when it could be read. */
  dbsize: number | null;
  /** Error replies counted in acked mode. */
  errors: number;
  /** With durability: replicas, what WAIT answered; else null. */
  replication: {
    /** Replicas the fill waited for (the master's replicas). */
    wanted: number;
    /** The fewest replicas that acknowledged one writer's writes. */
    acknowledged: number;
  } | null;
}

/** What one master's own counters grew by during the fill. */
export interface ReportServerNode {
  /** The node's id. */
  nodeId: string;
  /** host:port. */
  address: string;
  /** Whether INFO stats and INFO errorstats could be read. */
  read: boolean;
  /** Why they could not be read (or the last reading failed). */
  reason: string | null;
  /** evicted_keys grew by this much. */
  evictedKeys: number;
  /** expired_keys grew by this much (TTL keys expiring). */
  expiredKeys: number;
  /** total_error_replies grew by this much. */
  errorReplies: number;
  /** rejected_calls grew by this much. */
  rejectedCalls: number;
  /** errorstat_<PREFIX> counts that grew, by prefix (OOM, NOPERM, MOVED, …). */
  errors: Record<string, number>;
}

/**
 * The masters' own counters (INFO stats, INFO errorstats), as differences over the fill;
 * server-wide: every client's commands count, not only this fill's.
 */
export interface ReportServer {
  /** Whether any master's counters could be read. */
  read: boolean;
  /** How many times they were read (before, at each barrier, after). */
  readings: number;
  /** How to read these counters. */
  note: string;
  /** Per master. */
  nodes: ReportServerNode[];
}

/** What the client paid for the fill. */
export interface ReportClient {
  /** Client CPU seconds (user + system) during the fill. */
  cpuSeconds: number;
  /** Client CPU seconds per GiB (2^30 bytes) of keys and values sent; null when nothing was sent. */
  cpuSecondsPerGib: number | null;
  /** Peak resident memory of the client process (VmHWM on Linux). */
  peakRssBytes: number;
}

/** What the fill did. */
export interface ReportFill {
  /** false: a keyspace declared for a fill made earlier. */
  written: boolean;
  /** Whether FLUSHALL ran on every master first. */
  flushed: boolean;
  /** Whether every reply was counted (acked mode). */
  acked: boolean;
  /** Whether the fill was stopped (Ctrl-C, SIGTERM) part-way. */
  interrupted: boolean;
  /** The keyspace. */
  keyspace: {
    /** Keys in the whole keyspace (N). */
    count: number;
    /** Bytes per key. */
    keySize: number;
    /** Bytes per value. */
    valueSize: number;
    /** Seed of the values. */
    seed: number;
    /** Key prefix. */
    prefix: string;
    /** TTL range in seconds. */
    ttl: { min: number; max: number } | null;
  };
  /** The part of the keyspace written. */
  shard: {
    /** This part. */
    index: number;
    /** Number of parts. */
    count: number;
    /** First index of the shard (inclusive). */
    start: number;
    /** Last index of the shard (exclusive). */
    end: number;
  };
  /** Keys sent. */
  keys: number;
  /** Bytes of keys and values sent (RESP framing not counted). */
  bytes: number;
  /** Error replies in all (acked mode). */
  errors: number;
  /** Wall time of the fill. */
  durationMs: number;
  /** When the fill started writing (ISO 8601, UTC); null for a declared keyspace. */
  startedAt: string | null;
  /** When the fill ended (ISO 8601, UTC); null for a declared keyspace. */
  endedAt: string | null;
  /** Throughput in MiB/s (2^20 bytes per second). */
  mibPerSecond: number;
  /** The client's cost. */
  client: ReportClient;
  /** Per master. */
  nodes: ReportFillNode[];
  /** durability: replicas: every writer ended with WAIT for the master's replicas. */
  waitedForReplicas: boolean;
  /** Slots whose keys were re-sent, acked, because they moved or were migrating at a barrier. */
  resentSlots: number;
  /** The masters' own counters during the fill; null for a declared keyspace. */
  server: ReportServer | null;
  /** What limited the fill; null for a keyspace declared for a fill made earlier. */
  limit: ReportLimit | null;
  /** Only in a fill to a memory level (until-memory): the target, what each master reached, and N. */
  memory?: ReportMemory | undefined;
}

/** A fill to a memory level: the target, what each master reached, and N. */
export interface ReportMemory {
  /** The target as written: "80%" (of maxmemory) or "3GiB" (used_memory). */
  target: string;
  /** N: the keys the fill settled on to reach the target. */
  keys: number;
  /** used_memory growth per key, as last measured. */
  bytesPerKey: number;
  /** Per master: its target and what it reached. */
  nodes: {
    /** host:port. */
    address: string;
    /** The master's target in bytes of used_memory. */
    targetBytes: number;
    /** used_memory the master reached. */
    usedMemory: number;
    /** usedMemory / targetBytes. */
    reached: number;
  }[];
}

/** One master's load during the fill. */
export interface ReportLimitServer {
  /** host:port. */
  address: string;
  /** Cores its main thread used on average (INFO cpu). */
  cpu: number;
  /** MiB/s it received (INFO stats total_net_input_bytes). */
  inputMibPerSecond: number;
  /** Commands per second (INFO stats). */
  opsPerSecond: number;
}

/** What limited the fill, sampled once a second. */
export interface ReportLimit {
  /** The verdict. */
  kind: "server-bound" | "client-bound" | "rate-capped" | "latency-bound" | "unknown";
  /** One line with the numbers. */
  summary: string;
  /** Cores the client used on average. */
  clientCpu: number;
  /** Cores the busiest master used on average; null when INFO was not available. */
  serverCpuMax: number | null;
  /** Per master. */
  servers: ReportLimitServer[];
  /** Why the servers' CPU is unknown, or null. */
  unavailable: string | null;
}

/** One threshold checked. */
export interface ReportThreshold {
  /** The metric: fill.throughput, step.fill.duration, …. */
  metric: string;
  /** The expression: "> 100 MiB/s". */
  expression: string;
  /** Whether it passed (a metric never measured fails). */
  ok: boolean;
  /** The value observed, in unit; null: not measured. */
  observed: number | null;
  /** The metric's unit. */
  unit: "MiB/s" | "bytes" | "s" | "%" | "number";
  /** The observed value as printed, or why there is none. */
  observedText: string;
  /** Whether a failing sample stops the run. */
  abortOnFail: boolean;
  /** Whether this threshold stopped the run. */
  stoppedRun: boolean;
}

/** One verify check. */
export interface ReportCheck {
  /** count, distribution, content, ttl or memory. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** One sentence with the numbers. */
  detail: string;
}

/** What verify found on one master. */
export interface ReportVerifyNode {
  /** The node's id. */
  nodeId: string;
  /** host:port. */
  address: string;
  /** Hash slots it serves. */
  slots: number;
  /** This fill's keys found (count: exact), or DBSIZE (count: fast). */
  keys: number;
  /** Keys expected by the node's slots. */
  expectedKeys: number;
  /** (keys - expectedKeys) / expectedKeys. */
  deviation: number;
  /** used_memory in bytes. */
  usedMemory: number;
  /** maxmemory in bytes (0 = no limit). */
  maxMemory: number;
  /** usedMemory / keys; null without keys. */
  bytesPerKey: number | null;
  /** This fill's keys the master lacks (count: exact or content: full); null for count: fast. */
  missing: number | null;
  /** DBSIZE: every key on the master, this fill's and others'. */
  dbsize: number | null;
}

/** A key named in a verify finding. */
export interface ReportKey {
  /** The key's index i. */
  index: number;
  /** The key: prefix, tag and index, then … for the filler. */
  key: string;
}

/** What verify found. */
export interface ReportVerify {
  /** Whether every check passed. */
  ok: boolean;
  /** pass or fail. */
  verdict: "pass" | "fail";
  /** Keys found. */
  totalKeys: number;
  /** Keys expected. */
  expectedKeys: number;
  /** Largest |deviation| of a master, as a fraction. */
  maxDeviation: number;
  /** Allowed |deviation|, as a fraction. */
  tolerance: number;
  /** Keys whose contents were compared. */
  sampled: number;
  /** Sampled keys that did not match. */
  mismatched: number;
  /** exact: this fill's keys, counted one by one; fast: DBSIZE (at least). */
  count: "exact" | "fast" | null;
  /** sample: the sampled keys' contents; full: every key read back. */
  content: "sample" | "full" | null;
  /** Keys the exact count or the full read looked at. */
  checkedKeys: number;
  /** How fast the exact count or the full read went; null when neither ran. */
  keysPerSecond: number | null;
  /** The first missing keys, by index. */
  missingKeys: ReportKey[];
  /** The first keys whose contents differ, by index (content: full). */
  wrongKeys: ReportKey[];
  /** Masters replaced by their replica before verify counted (host:port). */
  failovers: { from: string; to: string }[];
  /** Every check. */
  checks: ReportCheck[];
  /** Per master. */
  nodes: ReportVerifyNode[];
}

/** One step of the run. */
export interface ReportStep {
  /** Step id. */
  id: string;
  /** Step name. */
  name: string;
  /** Whether it finished. */
  ok: boolean;
  /** Wall time. */
  durationMs: number;
  /** The one-line message of the error that stopped it. */
  error: string | null;
}

/** One shard report that went into a merged report. */
export interface ReportShardEntry {
  /** The shard's index k. */
  index: number;
  /** Where the report was read (file name, and the block's number in a log). */
  source: string;
  /** false: an earlier run of the same index, superseded by a later one (a retry). */
  counted: boolean;
  /** How that run ended. */
  status: ReportStatus;
  /** When its fill started (ISO 8601, UTC). */
  startedAt: string | null;
  /** When its fill ended (ISO 8601, UTC). */
  endedAt: string | null;
  /** Keys it sent. */
  keys: number;
  /** Bytes of keys and values it sent. */
  bytes: number;
  /** Its fill's wall time. */
  durationMs: number;
  /** Its throughput in MiB/s. */
  mibPerSecond: number;
  /** Its client's cost. */
  client: ReportClient;
}

/** How a merged report was made from shard reports. */
export interface ReportShards {
  /** Number of shards of the keyspace (n). */
  count: number;
  /** Indices with a counted report. */
  merged: number[];
  /** Indices without any report: the merge is not ok. */
  missing: number[];
  /** Every report read, by index, retries included (the later one counts). */
  reports: ReportShardEntry[];
}

/** How a run ended. */
export type ReportStatus = "passed" | "failed" | "interrupted";

/** A run report: what a redfill run did — status, target, topology, fill, verify and steps; no secrets. */
export interface RunReport {
  /** The version of the report's JSON format. */
  schemaVersion: 2;
  /** Name of the pipeline that ran. */
  pipeline: string;
  /** When the report was made (ISO 8601, UTC). */
  createdAt: string;
  /**
   * passed: every step finished and every check passed; failed: a step failed or a check did
   * not pass; interrupted: the run was stopped (Ctrl-C, SIGTERM) before it finished.
   */
  status: ReportStatus;
  /** status is "passed". */
  ok: boolean;
  /** Where the run connected. */
  target: ReportTarget;
  /** null when no step discovered the topology. */
  topology: {
    /** Standalone or cluster. */
    mode: "standalone" | "cluster";
    /** Masters. */
    masters: number;
    /** Replicas. */
    replicas: number;
    /** Every node. */
    nodes: ReportNode[];
  } | null;
  /** null when no fill or keyspace step ran. */
  fill: ReportFill | null;
  /** null when no verify step ran. */
  verify: ReportVerify | null;
  /** The pipeline's thresholds checked before the report, each with its observed value. */
  thresholds: ReportThreshold[];
  /** The steps that ran before the report, in order. */
  steps: ReportStep[];
  /** Only in a merged report (`report merge`): the shard reports it was made of. */
  shards?: ReportShards | undefined;
}
