/**
 * The contracts of `lib/local`: what a caller asks for ({@linkcode LocalRedisOptions},
 * {@linkcode LocalProxyOptions}) and what it gets back ({@linkcode LocalRedis},
 * {@linkcode LocalNode}, {@linkcode LocalProxy}, {@linkcode LocalTlsFiles}), plus the
 * observations the cluster readiness check works on.
 *
 * @module
 */

import type { ClusterNodeEntry, ClusterSlotRange } from "../cluster/nodes.ts";

/** Options for `startLocalRedis()`. */
export interface LocalRedisOptions {
  /** Start a Redis Cluster instead of one standalone server (default false). */
  cluster?: boolean;
  /** Cluster only: number of masters (default 3). */
  masters?: number;
  /** Cluster only: replicas per master (default 1; 0 is allowed). */
  replicas?: number;
  /**
   * Cluster only: slot counts per master, one per master, summing to 16384
   * (e.g. `[8000, 4000, 4384]`). Default: an even split, the remainder going to the first
   * masters.
   */
  slots?: number[];
  /**
   * TLS with a CA, a node certificate (SAN `localhost` and `127.0.0.1`, serverAuth and
   * clientAuth) and a client certificate generated for the run with `openssl`.
   */
  tls?: boolean;
  /** Require client certificates (`--tls-auth-clients yes`); implies `tls`. */
  mtls?: boolean;
  /**
   * When TLS is on, disable the plaintext port (`--port 0`). Default **true**: a TLS run is
   * TLS only, so a test over TLS cannot pass by accident over plaintext. Set it to false to
   * also get a plaintext port per node (`LocalNode.plainPort`).
   */
  tlsOnly?: boolean;
  /** `requirepass` for the default user; cluster nodes also get it as `masterauth`. */
  password?: string;
  /** An extra ACL user with full access (`~* &* +@all`). */
  user?: { name: string; password: string };
  /** `maxmemory`, e.g. `"8mb"`. */
  maxmemory?: string;
  /** `maxmemory-policy`, e.g. `"noeviction"`. */
  maxmemoryPolicy?: string;
  /** Cluster only: `cluster-node-timeout` in milliseconds (default 2000; see FACTS.md). */
  clusterNodeTimeout?: number;
  /** Appended to every `redis-server` command line, e.g. `["--rename-command", "CLIENT", ""]`. */
  extraArgs?: string[];
  /** Cluster only: how long to wait for every readiness condition (default 30000 ms). */
  readyTimeoutMs?: number;
  /**
   * Stop everything and exit 130 on SIGINT/SIGTERM (default true). Set false when the caller
   * handles Ctrl-C itself (e.g. to let a fill run its barrier first) and calls `stop()`. The
   * servers run in their own session either way, so a terminal's Ctrl-C does not reach them.
   */
  handleSignals?: boolean;
  /**
   * Put a twemproxy (`nutcracker`) in front of standalone servers: `true` for the defaults
   * (two servers), or the pool's settings. Clients then use the proxy's address
   * (`LocalRedis.url()`, `localTarget()`); `nodes` are the servers behind it. Not with
   * `cluster`, `tls`/`mtls` (twemproxy 0.5 has no TLS) or `user` (it authenticates with one
   * password: `password` becomes the servers' `requirepass` and the pool's `redis_auth`).
   */
  proxy?: boolean | LocalProxyOptions;
  /** Aborts the start: everything started so far is stopped and the promise rejects. */
  signal?: AbortSignal;
}

/** The pool of a local twemproxy, for `startLocalRedis({ proxy })`. */
export interface LocalProxyOptions {
  /** How many standalone servers the pool spreads keys over (default 2). */
  servers?: number;
  /**
   * The pool's `timeout` in milliseconds (default 5000): a request the server has not
   * answered by then gets `-ERR Connection timed out` (it may still have been executed).
   */
  timeoutMs?: number;
  /**
   * The pool's `hash_tag`, two characters such as `"{}"`: keys are then hashed by what is
   * between them, so keys sharing a tag share a server. Default: none (the whole key).
   */
  hashTag?: string;
}

/** A running twemproxy in front of local servers. */
export interface LocalProxy {
  /** Always `"proxy"`. */
  id: "proxy";
  /** Always the loopback address. */
  host: "127.0.0.1";
  /** The port clients connect to (the pool's `listen`). */
  port: number;
  /** The port of nutcracker's stats server (JSON per connection, `-s`). */
  statsPort: number;
  /** The process id. */
  pid: number;
  /** Its own temporary folder (`nutcracker.yml`, `nutcracker.log`). */
  dir: string;
  /** The pool's name in `nutcracker.yml`. */
  pool: string;
  /** The pool's `timeout` in milliseconds. */
  timeoutMs: number;
  /** The pool's `hash_tag`, when set. */
  hashTag?: string;
}

/** One running `redis-server`. */
export interface LocalNode {
  /** The cluster node id, or `"standalone"`. */
  id: string;
  /** Always the loopback address. */
  host: "127.0.0.1";
  /** The port clients use: the TLS port when TLS is on. */
  port: number;
  /** The plaintext port, present only when TLS is on and `tlsOnly` is false. */
  plainPort?: number;
  /** Cluster only: the cluster bus port (`--cluster-port`). */
  busPort?: number;
  /** The process id. */
  pid: number;
  /** The node's own temporary folder (config, log, nodes.conf). */
  dir: string;
  /** Master or replica. A standalone server is a master. */
  role: "master" | "replica";
  /** Replicas only: the id of their master. */
  masterId?: string;
  /** Inclusive slot ranges a master serves; `[[0, 16383]]` for standalone, `[]` for replicas. */
  slots: Array<[number, number]>;
}

/** The certificate files generated for a TLS run (paths to PEM files). */
export interface LocalTlsFiles {
  /** The folder holding them. */
  dir: string;
  /** The CA certificate. */
  ca: string;
  /** The client certificate. */
  cert: string;
  /** The client certificate's key. */
  key: string;
  /** The node certificate (serverAuth and clientAuth). */
  serverCert: string;
  /** The node certificate's key. */
  serverKey: string;
}

/** Running local servers; stop them with `stop()` or `await using`. */
export interface LocalRedis {
  /** Standalone or cluster: what the servers are (behind a proxy they are standalone). */
  readonly kind: "standalone" | "cluster";
  /**
   * Every node, masters first (in slot order), then replicas (in their masters' order).
   * Behind a proxy: the pool's servers in its order, with ids `backend-0`, `backend-1`, …
   */
  readonly nodes: LocalNode[];
  /** The twemproxy in front of the nodes, when `proxy` was asked for. */
  readonly proxy?: LocalProxy;
  /** The certificate files, when TLS is on. */
  readonly tls?: LocalTlsFiles;
  /** The default user's password, when one was set. */
  readonly password?: string;
  /** The extra ACL user, when one was set. */
  readonly user?: { name: string; password: string };
  /**
   * A URL for a node or the proxy (default: the proxy when there is one, else the first
   * master), `redis://127.0.0.1:PORT` or `rediss://…`; never with the password in it.
   */
  url(node?: LocalNode | LocalProxy): string;
  /** The masters. */
  masters(): LocalNode[];
  /** The replicas. */
  replicas(): LocalNode[];
  /**
   * Kills one node's (or the proxy's) process by its pid (default SIGKILL) and waits until
   * it exited.
   */
  killNode(node: LocalNode | LocalProxy, signal?: Deno.Signal): Promise<void>;
  /** Resolves with the first node (or the proxy) whose process exits, for whatever reason. */
  waitForExit(): Promise<LocalNode | LocalProxy>;
  /**
   * Stops the proxy first (SIGTERM, then SIGKILL), then every node (`SHUTDOWN NOSAVE NOW`,
   * replicas first, then SIGKILL for any left after a short wait) and removes the temporary
   * folders. Safe to call more than once.
   */
  stop(): Promise<void>;
  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What one node said about the cluster, the input of `checkClusterReadiness()`. */
export interface NodeObservation {
  /** `127.0.0.1:PORT` of the node observed. */
  address: string;
  /** Why the node could not be observed, if it could not. */
  error?: string;
  /** `CLUSTER INFO` fields. */
  clusterInfo?: Record<string, string>;
  /** `INFO replication` fields. */
  replication?: Record<string, string>;
  /** `CLUSTER NODES`, parsed. */
  nodes?: ClusterNodeEntry[];
  /** `CLUSTER SLOTS`, parsed. */
  slots?: ClusterSlotRange[];
}

/** The topology `checkClusterReadiness()` expects. */
export interface ClusterExpectation {
  /** Number of masters. */
  masters: number;
  /** Replicas per master. */
  replicas: number;
}
