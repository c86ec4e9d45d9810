/**
 * Managed local `redis-server` processes on free loopback ports, each node in its own
 * temporary folder: standalone, a cluster (ready only when every node agrees), TLS or
 * mTLS variants with certificates generated for the run, and standalone servers behind a
 * twemproxy (`nutcracker`). Used by the tests, the benchmarks, `deno task redis up` and
 * `deno task fill` without `--host`.
 *
 * ```ts ignore
 * import { startLocalRedis } from "./lib/local/mod.ts";
 * await using redis = await startLocalRedis({ cluster: true, tls: true });
 * console.log(redis.url(), redis.masters().length);
 * await using proxied = await startLocalRedis({ proxy: { servers: 2 } });
 * console.log(proxied.url(), proxied.nodes.length); // the proxy's URL, 2 servers behind it
 * ```
 *
 * @module
 */

export { defaults, proxyDefaults, startLocalRedis } from "./local_redis.ts";
export { checkClusterReadiness } from "./readiness.ts";
export { evenSlotCounts, slotRanges } from "./cluster.ts";
export { generateTlsFiles } from "./certs.ts";
export { localTarget } from "./target.ts";
export { LocalRedisError } from "./errors.ts";
export { BUS_PORTS, DATA_PORTS } from "./ports.ts";

export type {
  ClusterExpectation,
  LocalNode,
  LocalProxy,
  LocalProxyOptions,
  LocalRedis,
  LocalRedisOptions,
  LocalTlsFiles,
  NodeObservation,
} from "./types.ts";
export type { PortRange } from "./ports.ts";
