/**
 * Local standalone servers behind one local twemproxy: start the servers, then the proxy
 * over them, and stop everything started so far when a part fails.
 *
 * @module
 */

import { type ProxySettings, type RunningProxy, startProxy } from "./proxy.ts";
import {
  removeServerDir,
  type RunningServer,
  type ServerSettings,
  startServer,
  stopServer,
} from "./server.ts";
import type { LocalNode } from "./types.ts";

/** Servers behind a proxy. */
export interface StartedProxied {
  /** The servers as nodes, in the pool's order (ids `backend-0`, `backend-1`, …). */
  nodes: LocalNode[];
  /** The servers, index for index. */
  servers: RunningServer[];
  /** The proxy. */
  proxy: RunningProxy;
}

/**
 * The name of the pool's server `index`, which is also its node id.
 *
 * @param index Its position in the pool.
 * @returns `backend-INDEX`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backendName } from "./proxied.ts";
 * assert.equal(backendName(1), "backend-1");
 * ```
 */
export function backendName(index: number): string {
  return `backend-${index}`;
}

/**
 * Starts `count` standalone servers on free ports and a twemproxy over them, and waits
 * until a SET and GET through the proxy work.
 *
 * @param settings The servers' settings (no cluster mode, no TLS).
 * @param proxy The pool's settings.
 * @param count How many servers.
 * @param signal Aborts the start.
 * @returns The servers and the proxy.
 * @throws {LocalRedisError} When a server or the proxy fails to start.
 * @throws {MissingProgramError} When `redis-server` or `nutcracker` is not on PATH.
 * @example
 * ```ts ignore
 * import { startProxied } from "./proxied.ts";
 * const { nodes, proxy } = await startProxied({ extraArgs: [] }, { timeoutMs: 5000 }, 2);
 * ```
 */
export async function startProxied(
  settings: ServerSettings,
  proxy: ProxySettings,
  count: number,
  signal?: AbortSignal,
): Promise<StartedProxied> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, () => startServer(settings, signal)),
  );
  const servers = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  try {
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const backends = servers.map((server, i) => ({ name: backendName(i), port: server.port }));
    const running = await startProxy(proxy, settings, backends, signal);
    const nodes = servers.map((server, i): LocalNode => ({
      id: backendName(i),
      host: "127.0.0.1",
      port: server.port,
      pid: server.process.pid,
      dir: server.dir,
      role: "master",
      slots: [[0, 16383]],
    }));
    return { nodes, servers, proxy: running };
  } catch (error) {
    await Promise.all(servers.map((s) => stopServer(settings, s, 200)));
    await Promise.all(servers.map((s) => removeServerDir(s)));
    throw error;
  }
}
