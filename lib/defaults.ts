/**
 * Every default of redfill in one place: the target's, the keyspace's, the fill's and verify's.
 * The step schemas, the loader, the fill and the help texts read them from here.
 *
 * @module
 */

/** Defaults of `target:` (and of `deno task fill`'s connection flags). */
export const TARGET_DEFAULTS = {
  /** Host of the seed node. */
  host: "127.0.0.1",
  /** Port without TLS. */
  port: 6379,
  /** Port with TLS. */
  tlsPort: 6380,
  /** Connect timeout in milliseconds. */
  connectTimeoutMs: 5000,
  /** Timeout of one control-plane reply in milliseconds. */
  commandTimeoutMs: 10000,
} as const;

/** Defaults of the keyspace options (`fill` and `keyspace`). */
export const KEYSPACE_DEFAULTS = {
  /** Bytes of keys and values: 256 MiB. */
  size: 256 * 1024 * 1024,
  /** Bytes per key. */
  keySize: 512,
  /** Bytes per value. */
  valueSize: 512,
  /** Seed of values and TTLs. */
  seed: 1,
  /** Key prefix: lets a user find or delete exactly what redfill wrote. */
  prefix: "redfill:",
} as const;

/** Defaults of the fill's writers. */
export const FILL_DEFAULTS = {
  /** The largest batch buffer when the budget is shared: 8 MiB. */
  batchBytes: 8 * 1024 * 1024,
  /** The smallest batch buffer when the budget is shared: 128 KiB. */
  minBatchBytes: 128 * 1024,
  /** Memory all batch buffers take together unless `pipeline` sets one buffer: 8 MiB. */
  bufferBudgetBytes: 8 * 1024 * 1024,
  /** The largest batch buffer `pipeline` may ask for (refused above, while the file is checked). */
  maxBatchBytes: 256 * 1024 * 1024,
  /**
   * The most every batch buffer together may take (writers × 2 × `pipeline`): above it, each
   * buffer is shrunk to fit, with a warning. One writer's two largest buffers fit exactly.
   */
  maxBufferBudgetBytes: 512 * 1024 * 1024,
  /** Writers per master in a cluster. */
  clusterConnections: 2,
  /** Writers for a standalone server. */
  standaloneConnections: 8,
  /** How long a barrier or the last replies may take, in milliseconds. */
  barrierTimeoutMs: 30_000,
  /** How long acked mode waits for a replica to take over a lost master, in milliseconds. */
  failoverTimeoutMs: 30_000,
} as const;

/**
 * Defaults of verify: ±20% (the original tool's criterion), exact counts of this fill's keys,
 * 1000 sampled keys, and 30 s for the slot map to settle.
 */
export const VERIFY_DEFAULTS = {
  /** Largest allowed |deviation| of a master's keys from its slot share, as a fraction. */
  tolerance: 0.2,
  /** Keys whose contents are fetched and compared. */
  sample: 1000,
  /** `exact`: batched EXISTS of this fill's keys; `fast`: DBSIZE (at least). */
  count: "exact",
  /** `sample`: the sampled keys' contents; `full`: every key's. */
  content: "sample",
  /** How long verify waits for a stable slot map (no migrating slots), in milliseconds. */
  stableTimeoutMs: 30_000,
} as const;
