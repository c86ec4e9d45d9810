/**
 * Managed local `redis-server` processes on free loopback ports, each node in its own
 * temporary folder: standalone, a cluster (ready only when every node agrees), and TLS or
 * mTLS variants with certificates generated for the run. Used by the tests, the benchmarks,
 * `deno task redis up` and `deno task fill` without `--host`.
 *
 * ```ts ignore
 * import { startLocalRedis } from "./lib/local/mod.ts";
 * await using redis = await startLocalRedis({ cluster: true, tls: true });
 * console.log(redis.url(), redis.masters().length);
 * ```
 *
 * @module
 */

export { defaults, startLocalRedis } from "./local_redis.ts";
export { checkClusterReadiness } from "./readiness.ts";
export { evenSlotCounts, slotRanges } from "./cluster.ts";
export { generateTlsFiles } from "./certs.ts";
export { localTarget } from "./target.ts";
export { LocalRedisError } from "./errors.ts";
export { BUS_PORTS, DATA_PORTS } from "./ports.ts";

export type {
  ClusterExpectation,
  LocalNode,
  LocalRedis,
  LocalRedisOptions,
  LocalTlsFiles,
  NodeObservation,
} from "./types.ts";
export type { PortRange } from "./ports.ts";
