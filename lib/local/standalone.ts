/**
 * A local standalone `redis-server`.
 *
 * @module
 */

import { type RunningServer, type ServerSettings, startServer } from "./server.ts";
import type { LocalNode } from "./types.ts";

/** A started standalone server. */
export interface StartedStandalone {
  /** Its one node. */
  nodes: [LocalNode];
  /** Its one server. */
  servers: [RunningServer];
}

/**
 * Starts one standalone server on free ports and waits until it answers PING.
 *
 * @param settings The run's settings (no cluster mode).
 * @param signal Aborts the start.
 * @returns The node and its server.
 * @throws {LocalRedisError} When it fails to start.
 * @example
 * ```ts ignore
 * import { startStandalone } from "./standalone.ts";
 * const { nodes } = await startStandalone({ extraArgs: [] });
 * ```
 */
export async function startStandalone(
  settings: ServerSettings,
  signal?: AbortSignal,
): Promise<StartedStandalone> {
  const server = await startServer(settings, signal);
  const node: LocalNode = {
    id: "standalone",
    host: "127.0.0.1",
    port: server.port,
    ...(server.plainPort === undefined ? {} : { plainPort: server.plainPort }),
    pid: server.process.pid,
    dir: server.dir,
    role: "master",
    slots: [[0, 16383]],
  };
  return { nodes: [node], servers: [server] };
}
