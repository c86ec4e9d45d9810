/**
 * One local `redis-server`: its temporary folder, its command line, free ports (retried when
 * another process takes a port first), waiting until it answers, and shutting it down.
 *
 * @module
 */

import { join } from "node:path";
import { BUS_PORTS, DATA_PORTS, findFreePort, releasePort } from "./ports.ts";
import { launchWithRetry, pollUntilReady, stopWithGrace } from "./_launch.ts";
import { removeTrackedTempDir, spawnTracked, type TrackedProcess } from "./process.ts";
import { RespClient, type RespTlsOptions } from "./_resp.ts";
import type { LocalTlsFiles } from "./types.ts";

/** Settings shared by every node of one run. */
export interface ServerSettings {
  /** TLS, when on. */
  tls?: {
    /** The certificate files. */
    files: LocalTlsFiles;
    /** Their PEM contents, for control connections. */
    pem: RespTlsOptions;
    /** Require client certificates. */
    mtls: boolean;
    /** No plaintext port. */
    tlsOnly: boolean;
  };
  /** `requirepass`. */
  password?: string;
  /** An extra ACL user. */
  user?: { name: string; password: string };
  /** `maxmemory`. */
  maxmemory?: string;
  /** `maxmemory-policy`. */
  maxmemoryPolicy?: string;
  /** Cluster mode with this `cluster-node-timeout`; absent means standalone. */
  clusterNodeTimeout?: number;
  /** Appended to the command line. */
  extraArgs: string[];
  /** Stop the servers on SIGINT/SIGTERM (default true); false leaves it to the caller. */
  handleSignals?: boolean;
}

/** A started server that answered PING. */
export interface RunningServer {
  /** The process. */
  process: TrackedProcess;
  /** Its folder. */
  dir: string;
  /** The port clients use (TLS port when TLS). */
  port: number;
  /** The plaintext port when TLS is on and not TLS-only. */
  plainPort?: number;
  /** The cluster bus port. */
  busPort?: number;
}

const START_ATTEMPTS = 6;
const START_TIMEOUT_MS = 10_000;

/** Quotes a value for redis.conf (double quotes, backslash escapes). */
function quote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The config file: only the secrets, so they never show in a process list. */
function configText(settings: ServerSettings): string {
  const lines: string[] = [];
  if (settings.password !== undefined) {
    lines.push(`requirepass ${quote(settings.password)}`);
    if (settings.clusterNodeTimeout !== undefined) {
      lines.push(`masterauth ${quote(settings.password)}`);
    }
  }
  if (settings.user) {
    lines.push(
      `user ${quote(settings.user.name)} on ${quote(">" + settings.user.password)} ~* &* +@all`,
    );
  }
  return lines.join("\n") + "\n";
}

function commandLine(
  settings: ServerSettings,
  dir: string,
  ports: { port: number; plainPort?: number; busPort?: number },
): string[] {
  const args = [
    join(dir, "redis.conf"),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--logfile",
    join(dir, "redis.log"),
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
  ];
  if (settings.tls) {
    const files = settings.tls.files;
    args.push(
      "--port",
      String(ports.plainPort ?? 0),
      "--tls-port",
      String(ports.port),
      "--tls-cert-file",
      files.serverCert,
      "--tls-key-file",
      files.serverKey,
      "--tls-ca-cert-file",
      files.ca,
      "--tls-auth-clients",
      settings.tls.mtls ? "yes" : "no",
    );
  } else {
    args.push("--port", String(ports.port));
  }
  if (settings.clusterNodeTimeout !== undefined && ports.busPort !== undefined) {
    args.push(
      "--cluster-enabled",
      "yes",
      "--cluster-port",
      String(ports.busPort),
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-node-timeout",
      String(settings.clusterNodeTimeout),
      // A node learns its own address from the first node that meets it; a lone master
      // (masters: 1) never is met and would call itself ":PORT" forever.
      "--cluster-announce-ip",
      "127.0.0.1",
      "--repl-diskless-sync-delay",
      "0",
      "--repl-ping-replica-period",
      "1",
    );
    if (settings.tls) args.push("--tls-cluster", "yes", "--tls-replication", "yes");
  }
  if (settings.maxmemory !== undefined) args.push("--maxmemory", settings.maxmemory);
  if (settings.maxmemoryPolicy !== undefined) {
    args.push("--maxmemory-policy", settings.maxmemoryPolicy);
  }
  args.push(...settings.extraArgs);
  return args;
}

/**
 * Opens a control connection to a local server with the run's TLS and auth settings.
 *
 * @param settings The run's settings.
 * @param port The port (the TLS port when TLS).
 * @param timeoutMs Per-reply timeout.
 * @returns The client; close it when done.
 * @example
 * ```ts ignore
 * import { connectServer } from "./server.ts";
 * const client = await connectServer({ extraArgs: [] }, 20001);
 * client.close();
 * ```
 */
export function connectServer(
  settings: ServerSettings,
  port: number,
  timeoutMs = 2000,
): Promise<RespClient> {
  const password = settings.password ?? settings.user?.password;
  return RespClient.connect({
    port,
    tls: settings.tls?.pem,
    username: settings.password === undefined ? settings.user?.name : undefined,
    password,
    timeoutMs,
  });
}

function isBindFailure(text: string): boolean {
  return /Address already in use|Could not create server TCP listening socket|Failed listening on port|Could not bind/i
    .test(text);
}

/** Waits until the server answers PING as itself, or exits. Returns false if it exited. */
function waitUntilAnswering(
  settings: ServerSettings,
  server: RunningServer,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const pid = server.process.pid;
  return pollUntilReady(server.process, async () => {
    const client = await connectServer(settings, server.port, 1000);
    try {
      const info = await client.text("INFO", "server");
      if (!info.includes(`process_id:${pid}\r\n`)) return "another server answers on its port";
      const pong = await client.call("PING");
      return pong === "PONG" ? undefined : `PING gave ${JSON.stringify(pong)}`;
    } finally {
      client.close();
    }
  }, {
    failure: `Local redis-server (pid ${pid}, port ${server.port}) did not answer PING`,
    timeoutMs: START_TIMEOUT_MS,
    signal,
  });
}

/**
 * Starts one `redis-server` in a new temporary folder on free ports, retrying with new ports
 * when it cannot bind, and waits until it answers PING.
 *
 * @param settings The run's settings.
 * @param signal Aborts the start.
 * @returns The running server.
 * @throws {LocalRedisError} When it exits for any other reason or never answers.
 * @throws {MissingProgramError} When `redis-server` is not on PATH.
 * @example
 * ```ts ignore
 * import { startServer, stopServer } from "./server.ts";
 * const server = await startServer({ extraArgs: [] });
 * await stopServer({ extraArgs: [] }, server);
 * ```
 */
export async function startServer(
  settings: ServerSettings,
  signal?: AbortSignal,
): Promise<RunningServer> {
  return await launchWithRetry<RunningServer>({
    program: "redis-server",
    attempts: START_ATTEMPTS,
    dirPrefix: "redfill-node-",
    logFile: "redis.log",
    spawn: async (dir) => {
      await Deno.writeTextFile(join(dir, "redis.conf"), configText(settings), { mode: 0o600 });
      const port = findFreePort(DATA_PORTS);
      const plainPort = settings.tls && !settings.tls.tlsOnly
        ? findFreePort(DATA_PORTS)
        : undefined;
      const busPort = settings.clusterNodeTimeout !== undefined
        ? findFreePort(BUS_PORTS)
        : undefined;
      const ports = {
        port,
        ...(plainPort === undefined ? {} : { plainPort }),
        ...(busPort === undefined ? {} : { busPort }),
      };
      const process = spawnTracked("redis-server", commandLine(settings, dir, ports), {
        cwd: dir,
        handleSignals: settings.handleSignals ?? true,
        newSession: true,
      });
      return { process, dir, ...ports };
    },
    waitUntilReady: (server) => waitUntilAnswering(settings, server, signal),
    release: releaseServerPorts,
    isBindFailure,
  });
}

function releaseServerPorts(server: RunningServer): void {
  releasePort(server.port);
  releasePort(server.plainPort);
  releasePort(server.busPort);
}

/**
 * Stops one server: `SHUTDOWN NOSAVE NOW`, SIGKILL if it still runs after `graceMs`; then
 * releases its ports. Its folder is left for the caller to remove.
 *
 * @param settings The run's settings.
 * @param server The server.
 * @param graceMs How long to wait after SHUTDOWN (default 1000 ms).
 * @example
 * ```ts ignore
 * import { startServer, stopServer } from "./server.ts";
 * await stopServer({ extraArgs: [] }, await startServer({ extraArgs: [] }));
 * ```
 */
export async function stopServer(
  settings: ServerSettings,
  server: RunningServer,
  graceMs = 1000,
): Promise<void> {
  await stopWithGrace(server.process, async () => {
    // The connection closes as the server exits; a server gone or hung fails to connect.
    const client = await connectServer(settings, server.port, 500);
    try {
      await client.send("SHUTDOWN", "NOSAVE", "NOW");
    } finally {
      client.close();
    }
  }, graceMs);
  releaseServerPorts(server);
}

/**
 * Removes a server's folder.
 *
 * @param server The server (stopped).
 * @example
 * ```ts ignore
 * import { removeServerDir, startServer, stopServer } from "./server.ts";
 * const server = await startServer({ extraArgs: [] });
 * await stopServer({ extraArgs: [] }, server);
 * await removeServerDir(server);
 * ```
 */
export async function removeServerDir(server: RunningServer): Promise<void> {
  await removeTrackedTempDir(server.dir);
}
