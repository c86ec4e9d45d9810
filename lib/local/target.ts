/**
 * The redfill target of a managed local server or cluster.
 *
 * @module
 */

import { TARGET_DEFAULTS } from "../defaults.ts";
import type { Target } from "../types.ts";
import type { LocalRedis } from "./types.ts";

/**
 * The target that reaches a local server or cluster: its first master, its mode, its TLS
 * files (CA and client certificate) and its password. Behind a proxy it is the proxy's
 * address, with mode `"standalone"` until the target modes include a proxy mode (pass
 * `{ mode: … }` in `extra` to choose another).
 *
 * @example
 * ```ts ignore
 * import { localTarget, startLocalRedis } from "./mod.ts";
 * await using local = await startLocalRedis({ cluster: true, tls: true });
 * const target = localTarget(local); // rediss to the first master, mode "cluster"
 * await using proxied = await startLocalRedis({ proxy: true });
 * localTarget(proxied).port === proxied.proxy?.port; // true
 * ```
 *
 * @param local The running servers.
 * @param extra Fields to set on top (timeouts, another mode).
 * @returns The target.
 */
export function localTarget(local: LocalRedis, extra: Partial<Target> = {}): Target {
  const seed = local.proxy ?? local.masters()[0]!;
  const target: Target = {
    host: seed.host,
    port: seed.port,
    mode: local.kind,
    connectTimeoutMs: TARGET_DEFAULTS.connectTimeoutMs,
    commandTimeoutMs: TARGET_DEFAULTS.commandTimeoutMs,
  };
  if (local.tls) target.tls = { ca: local.tls.ca, cert: local.tls.cert, key: local.tls.key };
  if (local.password !== undefined) target.password = local.password;
  return { ...target, ...extra };
}
