/**
 * One local twemproxy (`nutcracker` 0.5): its config (one pool over the given servers), free
 * ports for its listener and its stats server (retried when another process takes a port
 * first), waiting until a SET and GET through it land on one of its own servers, and
 * stopping it. twemproxy has no INFO, CLIENT or SHUTDOWN, so readiness is a round trip and
 * stopping is a signal (see /work/notes/twemproxy.md for what it does with each command).
 *
 * @module
 */

import { join } from "node:path";
import { BUS_PORTS, DATA_PORTS, findFreePort, releasePort } from "./ports.ts";
import { launchWithRetry, pollUntilReady, stopWithGrace } from "./_launch.ts";
import { removeTrackedTempDir, spawnTracked, type TrackedProcess } from "./process.ts";
import { RespClient } from "./_resp.ts";
import { connectServer, type ServerSettings } from "./server.ts";

/** The name of the pool in every local `nutcracker.yml`. */
export const PROXY_POOL = "redfill";

/** One server of the pool. */
export interface ProxyBackend {
  /** Its name in the pool (ketama hashes the name, so placement does not depend on ports). */
  name: string;
  /** Its port on 127.0.0.1. */
  port: number;
}

/** The pool's settings. */
export interface ProxySettings {
  /** The pool's `timeout` in milliseconds. */
  timeoutMs: number;
  /** The pool's `hash_tag`, when set. */
  hashTag?: string;
  /** The pool's `redis_auth` (the servers' `requirepass`), when set. */
  password?: string;
  /** Stop the proxy on SIGINT/SIGTERM (default true); false leaves it to the caller. */
  handleSignals?: boolean;
}

/** What {@linkcode proxyConfigText} writes. */
export interface ProxyConfig extends ProxySettings {
  /** The port the pool listens on. */
  port: number;
  /** The pool's servers. */
  backends: ProxyBackend[];
}

/** A started twemproxy that passed a SET/GET round trip. */
export interface RunningProxy {
  /** The process. */
  process: TrackedProcess;
  /** Its folder. */
  dir: string;
  /** The port clients use. */
  port: number;
  /** The stats server's port. */
  statsPort: number;
}

const START_ATTEMPTS = 6;
const START_TIMEOUT_MS = 10_000;

/**
 * The `nutcracker.yml` of a local pool: `redis: true`, `fnv1a_64` with `ketama`, servers
 * never ejected (a down server answers errors instead of moving its keys), connections
 * opened at start. A JSON string is a valid YAML double-quoted scalar, so the password and
 * the hash tag are written that way.
 *
 * @param config The listener, the servers and the pool's settings.
 * @returns The file's text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyConfigText } from "./proxy.ts";
 * const text = proxyConfigText({
 *   port: 22121,
 *   timeoutMs: 5000,
 *   backends: [{ name: "backend-0", port: 20001 }],
 * });
 * assert.match(text, /^ {4}- 127\.0\.0\.1:20001:1 backend-0$/m);
 * ```
 */
export function proxyConfigText(config: ProxyConfig): string {
  const lines = [
    `${PROXY_POOL}:`,
    `  listen: 127.0.0.1:${config.port}`,
    `  redis: true`,
    `  hash: fnv1a_64`,
    `  distribution: ketama`,
    `  auto_eject_hosts: false`,
    `  timeout: ${config.timeoutMs}`,
    `  preconnect: true`,
    `  server_connections: 1`,
  ];
  if (config.hashTag !== undefined) lines.push(`  hash_tag: ${JSON.stringify(config.hashTag)}`);
  if (config.password !== undefined) lines.push(`  redis_auth: ${JSON.stringify(config.password)}`);
  lines.push(`  servers:`);
  for (const backend of config.backends) {
    lines.push(`    - 127.0.0.1:${backend.port}:1 ${backend.name}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Waits until a SET and GET through the proxy work and the key landed on exactly one of its
 * own servers (so the port is really this proxy's); the key is deleted again. Returns false
 * if the proxy exited.
 */
function waitUntilProxying(
  settings: ProxySettings,
  servers: ServerSettings,
  proxy: RunningProxy,
  backends: ProxyBackend[],
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const key = `redfill-local:ready:${proxy.process.pid}`;
  const value = crypto.randomUUID();
  return pollUntilReady(proxy.process, async () => {
    const client = await RespClient.connect({
      port: proxy.port,
      password: settings.password,
      timeoutMs: 1000,
    });
    try {
      const pong = await client.call("PING");
      await client.call("SET", key, value);
      let got;
      let holders;
      try {
        got = await client.call("GET", key);
        holders = await countHolders(servers, backends, key);
      } finally {
        await client.send("DEL", key).catch(() => {});
      }
      if (holders !== 1) return "another process answers on its port";
      if (pong !== "PONG" || got !== value) {
        return `PING gave ${JSON.stringify(pong)}, GET gave ${JSON.stringify(got)}`;
      }
      return undefined;
    } finally {
      client.close();
    }
  }, {
    failure:
      `Local nutcracker (pid ${proxy.process.pid}, port ${proxy.port}) did not pass a SET and GET`,
    timeoutMs: START_TIMEOUT_MS,
    signal,
  });
}

/** How many of the servers hold `key`, asked directly. */
async function countHolders(
  servers: ServerSettings,
  backends: ProxyBackend[],
  key: string,
): Promise<number> {
  let holders = 0;
  for (const backend of backends) {
    const client = await connectServer(servers, backend.port, 1000);
    try {
      if (await client.call("EXISTS", key) === 1) holders++;
    } finally {
      client.close();
    }
  }
  return holders;
}

/**
 * Starts a twemproxy in a new temporary folder with one pool over `backends`, on free ports
 * (retrying with new ones when it cannot bind), and waits until a SET and GET through it
 * land on one of those servers.
 *
 * @param settings The pool's settings.
 * @param servers The servers' settings (their password, to check them directly).
 * @param backends The pool's servers, already running.
 * @param signal Aborts the start.
 * @returns The running proxy.
 * @throws {LocalRedisError} When it exits for another reason than a taken port, or never
 * passes the round trip.
 * @throws {MissingProgramError} When `nutcracker` is not on PATH.
 * @example
 * ```ts ignore
 * import { startProxy, stopProxy } from "./proxy.ts";
 * const proxy = await startProxy({ timeoutMs: 5000 }, { extraArgs: [] }, [
 *   { name: "backend-0", port: 20001 },
 * ]);
 * await stopProxy(proxy);
 * ```
 */
export async function startProxy(
  settings: ProxySettings,
  servers: ServerSettings,
  backends: ProxyBackend[],
  signal?: AbortSignal,
): Promise<RunningProxy> {
  return await launchWithRetry<RunningProxy>({
    program: "nutcracker",
    attempts: START_ATTEMPTS,
    dirPrefix: "redfill-proxy-",
    logFile: "nutcracker.log",
    spawn: async (dir) => {
      const conf = join(dir, "nutcracker.yml");
      const port = findFreePort(DATA_PORTS);
      const statsPort = findFreePort(BUS_PORTS);
      // The file holds the password (redis_auth): readable by its owner only.
      await Deno.writeTextFile(conf, proxyConfigText({ ...settings, port, backends }), {
        mode: 0o600,
      });
      const process = spawnTracked("nutcracker", [
        "--conf-file",
        conf,
        "--output",
        join(dir, "nutcracker.log"),
        "--stats-addr",
        "127.0.0.1",
        "--stats-port",
        String(statsPort),
        "--stats-interval",
        "1000",
      ], { cwd: dir, handleSignals: settings.handleSignals ?? true, newSession: true });
      return { process, dir, port, statsPort };
    },
    waitUntilReady: (proxy) => waitUntilProxying(settings, servers, proxy, backends, signal),
    release: releaseProxyPorts,
    isBindFailure: (log) => /Address already in use/i.test(log),
  });
}

function releaseProxyPorts(proxy: RunningProxy): void {
  releasePort(proxy.port);
  releasePort(proxy.statsPort);
}

/**
 * Stops a proxy: SIGTERM, SIGKILL if it still runs after `graceMs`; then releases its ports
 * and removes its folder.
 *
 * @param proxy The proxy.
 * @param graceMs How long to wait after SIGTERM (default 1000 ms).
 * @example
 * ```ts ignore
 * import { startProxy, stopProxy } from "./proxy.ts";
 * await stopProxy(await startProxy({ timeoutMs: 5000 }, { extraArgs: [] }, []));
 * ```
 */
export async function stopProxy(proxy: RunningProxy, graceMs = 1000): Promise<void> {
  await stopWithGrace(proxy.process, () => Deno.kill(proxy.process.pid, "SIGTERM"), graceMs);
  releaseProxyPorts(proxy);
  await removeTrackedTempDir(proxy.dir);
}
