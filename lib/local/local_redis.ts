/**
 * {@linkcode startLocalRedis}: validates the options, generates certificates when TLS is on,
 * starts a standalone server, a cluster, or standalone servers behind a twemproxy, and
 * returns a {@linkcode LocalRedis} handle that stops everything — on `stop()`, on
 * `await using`, and on SIGINT/SIGTERM.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { generateTlsFiles } from "./certs.ts";
import { evenSlotCounts, startCluster } from "./cluster.ts";
import {
  killTracked,
  registerStopper,
  removeTrackedTempDir,
  requireProgram,
  type TrackedProcess,
  unregisterStopper,
} from "./process.ts";
import { startProxied } from "./proxied.ts";
import { PROXY_POOL, type RunningProxy, stopProxy } from "./proxy.ts";
import { SLOT_COUNT } from "../cluster/slots.ts";
import { removeServerDir, type RunningServer, type ServerSettings, stopServer } from "./server.ts";
import { startStandalone } from "./standalone.ts";
import type {
  LocalNode,
  LocalProxy,
  LocalProxyOptions,
  LocalRedis,
  LocalRedisOptions,
  LocalTlsFiles,
} from "./types.ts";

/** The defaults of {@linkcode LocalRedisOptions}. */
export const defaults = {
  cluster: false,
  masters: 3,
  replicas: 1,
  tls: false,
  mtls: false,
  tlsOnly: true,
  clusterNodeTimeout: 2000,
  readyTimeoutMs: 30_000,
} satisfies LocalRedisOptions;

/** The defaults of {@linkcode LocalProxyOptions}. */
export const proxyDefaults = {
  servers: 2,
  timeoutMs: 5000,
} satisfies LocalProxyOptions;

class LocalRedisHandle implements LocalRedis {
  readonly kind: "standalone" | "cluster";
  readonly nodes: LocalNode[];
  readonly proxy?: LocalProxy;
  readonly tls?: LocalTlsFiles;
  readonly password?: string;
  readonly user?: { name: string; password: string };
  #settings: ServerSettings;
  #servers: RunningServer[];
  #proxy: RunningProxy | undefined;
  #stopping: Promise<void> | undefined;
  #stopper = () => this.stop();

  constructor(
    kind: "standalone" | "cluster",
    nodes: LocalNode[],
    servers: RunningServer[],
    settings: ServerSettings,
    proxy?: { running: RunningProxy; timeoutMs: number; hashTag?: string },
  ) {
    this.kind = kind;
    this.nodes = nodes;
    this.#servers = servers;
    this.#settings = settings;
    if (proxy) {
      this.#proxy = proxy.running;
      this.proxy = {
        id: "proxy",
        host: "127.0.0.1",
        port: proxy.running.port,
        statsPort: proxy.running.statsPort,
        pid: proxy.running.process.pid,
        dir: proxy.running.dir,
        pool: PROXY_POOL,
        timeoutMs: proxy.timeoutMs,
        ...(proxy.hashTag === undefined ? {} : { hashTag: proxy.hashTag }),
      };
    }
    if (settings.tls) this.tls = settings.tls.files;
    if (settings.password !== undefined) this.password = settings.password;
    if (settings.user) this.user = settings.user;
    if (settings.handleSignals !== false) registerStopper(this.#stopper);
  }

  url(node: LocalNode | LocalProxy | undefined = this.proxy ?? this.nodes[0]): string {
    if (!node) throw new Error("No nodes");
    return `${this.tls ? "rediss" : "redis"}://127.0.0.1:${node.port}`;
  }

  masters(): LocalNode[] {
    return this.nodes.filter((n) => n.role === "master");
  }

  replicas(): LocalNode[] {
    return this.nodes.filter((n) => n.role === "replica");
  }

  #processOf(node: LocalNode | LocalProxy): TrackedProcess {
    if (this.#proxy && this.#proxy.process.pid === node.pid) return this.#proxy.process;
    const server = this.#servers.find((s) => s.process.pid === node.pid);
    if (!server) throw new Error(`Node with pid ${node.pid} is not part of this LocalRedis`);
    return server.process;
  }

  async killNode(node: LocalNode | LocalProxy, signal: Deno.Signal = "SIGKILL"): Promise<void> {
    await killTracked(this.#processOf(node), signal);
  }

  waitForExit(): Promise<LocalNode | LocalProxy> {
    const exits: Array<Promise<LocalNode | LocalProxy>> = this.#servers.map((server, i) =>
      server.process.status.then(() => this.nodes[i]!)
    );
    const proxy = this.proxy;
    if (this.#proxy && proxy) exits.push(this.#proxy.process.status.then(() => proxy));
    return Promise.race(exits);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#proxy) await stopProxy(this.#proxy);
    const replicas = this.#servers.filter((_, i) => this.nodes[i]?.role === "replica");
    const masters = this.#servers.filter((_, i) => this.nodes[i]?.role !== "replica");
    await Promise.all(replicas.map((s) => stopServer(this.#settings, s)));
    await Promise.all(masters.map((s) => stopServer(this.#settings, s)));
    await Promise.all(this.#servers.map((s) => removeServerDir(s)));
    if (this.tls) await removeTrackedTempDir(this.tls.dir);
    unregisterStopper(this.#stopper);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`Option "${name}" must be an integer of at least ${min}, got ${value}`);
  }
}

/** The proxy's options, or undefined when no proxy was asked for. */
function proxyOptionsOf(options: LocalRedisOptions): LocalProxyOptions | undefined {
  if (options.proxy === undefined || options.proxy === false) return undefined;
  return options.proxy === true ? {} : options.proxy;
}

function validateProxy(options: LocalRedisOptions, proxy: LocalProxyOptions): void {
  const conflicts: Array<[keyof LocalRedisOptions, string]> = [
    ["cluster", "twemproxy fronts standalone servers"],
    ["tls", "twemproxy 0.5 has no TLS"],
    ["mtls", "twemproxy 0.5 has no TLS"],
    ["user", 'twemproxy authenticates with one password: use "password"'],
  ];
  for (const [name, why] of conflicts) {
    if (options[name] !== undefined && options[name] !== false) {
      throw new UsageError(`Option "${name}" does not go with "proxy": ${why}`);
    }
  }
  checkCount("proxy.servers", proxy.servers ?? proxyDefaults.servers, 1);
  checkCount("proxy.timeoutMs", proxy.timeoutMs ?? proxyDefaults.timeoutMs, 1);
  if (proxy.hashTag !== undefined && [...proxy.hashTag].length !== 2) {
    throw new UsageError(
      `Option "proxy.hashTag" must be two characters such as "{}", got ${
        JSON.stringify(proxy.hashTag)
      }`,
    );
  }
}

function validate(options: LocalRedisOptions): void {
  const proxy = proxyOptionsOf(options);
  if (proxy) validateProxy(options, proxy);
  const cluster = options.cluster ?? defaults.cluster;
  if (!cluster) {
    for (const name of ["masters", "replicas", "slots"] as const) {
      if (options[name] !== undefined) {
        throw new UsageError(`Option "${name}" applies to a cluster: add "cluster: true"`);
      }
    }
  }
  const masters = options.masters ?? defaults.masters;
  checkCount("masters", masters, 1);
  checkCount("replicas", options.replicas ?? defaults.replicas, 0);
  checkCount("clusterNodeTimeout", options.clusterNodeTimeout ?? defaults.clusterNodeTimeout, 100);
  if (options.slots) {
    if (options.slots.length !== masters) {
      throw new UsageError(
        `Option "slots" needs one count per master (${masters}), got ${options.slots.length}`,
      );
    }
    options.slots.forEach((count, i) => checkCount(`slots[${i}]`, count, 1));
    const sum = options.slots.reduce((a, b) => a + b, 0);
    if (sum !== SLOT_COUNT) {
      throw new UsageError(`Option "slots" must sum to ${SLOT_COUNT}, got ${sum}`);
    }
  }
  if (options.password === "") {
    throw new UsageError(`Option "password" is empty: give a password or leave it out`);
  }
  if (options.user && (options.user.name === "" || options.user.password === "")) {
    throw new UsageError(`Option "user" needs a non-empty name and password`);
  }
}

/**
 * Starts local `redis-server` processes on free loopback ports, each node in its own temporary
 * folder: one standalone server, a cluster (default 3 masters with 1 replica each) that is
 * returned only once ready on every node, or standalone servers (default 2) behind a
 * twemproxy (`proxy`), returned once a SET and GET through the proxy work. TLS runs get a CA
 * and certificates made for the run.
 * Everything started is stopped by `stop()`, by `await using`, on SIGINT/SIGTERM (then the
 * process exits with 130) and, by SIGKILL, on unload.
 *
 * @param options What to start; see {@linkcode LocalRedisOptions}.
 * @returns The running servers.
 * @throws {UsageError} For invalid options.
 * @throws {MissingProgramError} When `redis-server` (or, for TLS, `openssl`; for a proxy,
 * `nutcracker`) is not on PATH.
 * @throws {LocalRedisError} When a server fails to start or the cluster does not become ready.
 * @example
 * ```ts ignore
 * import { startLocalRedis } from "./local_redis.ts";
 * await using redis = await startLocalRedis({ cluster: true, tls: true });
 * console.log(redis.url(), redis.tls?.ca);
 * await using proxied = await startLocalRedis({ proxy: { servers: 2 } });
 * console.log(proxied.url(), proxied.nodes.map((node) => proxied.url(node)));
 * ```
 */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  validate(options);
  options.signal?.throwIfAborted();
  const proxy = proxyOptionsOf(options);
  // Before any server starts, so a missing proxy costs nothing to find out.
  if (proxy) requireProgram("nutcracker");
  const cluster = options.cluster ?? defaults.cluster;
  const tls = (options.tls ?? defaults.tls) || (options.mtls ?? defaults.mtls);
  const settings: ServerSettings = {
    extraArgs: options.extraArgs ?? [],
    handleSignals: options.handleSignals ?? true,
  };
  if (options.password !== undefined) settings.password = options.password;
  if (options.user) settings.user = { ...options.user };
  if (options.maxmemory !== undefined) settings.maxmemory = options.maxmemory;
  if (options.maxmemoryPolicy !== undefined) settings.maxmemoryPolicy = options.maxmemoryPolicy;
  if (cluster) {
    settings.clusterNodeTimeout = options.clusterNodeTimeout ?? defaults.clusterNodeTimeout;
  }
  if (tls) {
    const files = await generateTlsFiles();
    try {
      const [ca, cert, key] = await Promise.all(
        [files.ca, files.cert, files.key].map((path) => Deno.readTextFile(path)),
      );
      settings.tls = {
        files,
        pem: { ca: ca!, cert: cert!, key: key! },
        mtls: options.mtls ?? defaults.mtls,
        tlsOnly: options.tlsOnly ?? defaults.tlsOnly,
      };
    } catch (error) {
      await removeTrackedTempDir(files.dir);
      throw error;
    }
  }
  try {
    if (proxy) {
      const timeoutMs = proxy.timeoutMs ?? proxyDefaults.timeoutMs;
      const started = await startProxied(
        settings,
        {
          timeoutMs,
          ...(proxy.hashTag === undefined ? {} : { hashTag: proxy.hashTag }),
          ...(settings.password === undefined ? {} : { password: settings.password }),
          handleSignals: settings.handleSignals ?? true,
        },
        proxy.servers ?? proxyDefaults.servers,
        options.signal,
      );
      return new LocalRedisHandle("standalone", started.nodes, started.servers, settings, {
        running: started.proxy,
        timeoutMs,
        ...(proxy.hashTag === undefined ? {} : { hashTag: proxy.hashTag }),
      });
    }
    if (!cluster) {
      const { nodes, servers } = await startStandalone(settings, options.signal);
      return new LocalRedisHandle("standalone", nodes, servers, settings);
    }
    const masters = options.masters ?? defaults.masters;
    const { nodes, servers } = await startCluster(settings, {
      masters,
      replicas: options.replicas ?? defaults.replicas,
      slots: options.slots ?? evenSlotCounts(masters),
      readyTimeoutMs: options.readyTimeoutMs ?? defaults.readyTimeoutMs,
    }, options.signal);
    return new LocalRedisHandle("cluster", nodes, servers, settings);
  } catch (error) {
    if (settings.tls) await removeTrackedTempDir(settings.tls.files.dir);
    throw error;
  }
}
