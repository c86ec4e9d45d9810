/**
 * The state file of `deno task redis up` (default `.redfill/local.json`, git-ignored): what
 * runs where — pids, ports, folders and certificate paths, never a password — so that
 * `redis down` and `redis status` work from another shell. `down` kills only the pids listed,
 * and only while `/proc/PID/cmdline` still names `redis-server` (or, for the proxy,
 * `nutcracker`).
 *
 * @module
 */

import { basename, dirname } from "node:path";
import type { LocalNode, LocalProxy, LocalRedis, LocalTlsFiles } from "./types.ts";
import { sleep } from "../time.ts";

/** One node in the state file. */
export interface LocalStateNode extends LocalNode {
  /** The node's URL (no password). */
  url: string;
}

/** The proxy in the state file. */
export interface LocalStateProxy extends LocalProxy {
  /** The proxy's URL (no password). */
  url: string;
}

/** The state file's content. */
export interface LocalState {
  /** Format version. */
  version: 1;
  /** Pid of the `redis up` process that owns the servers. */
  ownerPid: number;
  /** When it started (ISO 8601). */
  startedAt: string;
  /** Standalone or cluster. */
  kind: "standalone" | "cluster";
  /** Certificate paths, when TLS is on. */
  tls?: LocalTlsFiles;
  /** Whether a password is required (the password itself is never written). */
  passwordRequired: boolean;
  /** The ACL user's name, if one was made (never its password). */
  user?: string;
  /** The nodes, masters first (behind a proxy: its servers). */
  nodes: LocalStateNode[];
  /** The twemproxy in front of the nodes, when there is one. */
  proxy?: LocalStateProxy;
}

/** What {@linkcode stopFromState} did. */
export interface StopFromStateResult {
  /** Pids that were redis-server (or the proxy's nutcracker) processes and were stopped. */
  stopped: number[];
  /** Pids that were already gone. */
  gone: number[];
  /** Pids now held by something other than redis-server (or nutcracker), left alone. */
  skipped: number[];
  /** Folders removed. */
  removed: string[];
}

/**
 * Describes running servers for the state file, without any password.
 *
 * @param redis The running servers.
 * @returns The state.
 * @example
 * ```ts ignore
 * import { stateOf } from "./state.ts";
 * const state = stateOf(redis);
 * ```
 */
export function stateOf(redis: LocalRedis): LocalState {
  const state: LocalState = {
    version: 1,
    ownerPid: Deno.pid,
    startedAt: new Date().toISOString(),
    kind: redis.kind,
    passwordRequired: redis.password !== undefined,
    nodes: redis.nodes.map((node) => ({ ...node, url: redis.url(node) })),
  };
  if (redis.tls) state.tls = redis.tls;
  if (redis.user) state.user = redis.user.name;
  if (redis.proxy) state.proxy = { ...redis.proxy, url: redis.url(redis.proxy) };
  return state;
}

/**
 * Writes the state file (creating its folder).
 *
 * @param path The file.
 * @param state The state.
 * @example
 * ```ts ignore
 * import { stateOf, writeState } from "./state.ts";
 * await writeState(".redfill/local.json", stateOf(redis));
 * ```
 */
export async function writeState(path: string, state: LocalState): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(state, null, 2) + "\n");
}

/**
 * Reads the state file.
 *
 * @param path The file.
 * @returns The state, or undefined when there is no file.
 * @throws {SyntaxError} When the file is not JSON.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readState } from "./state.ts";
 * equal(await readState("/nonexistent/local.json"), undefined);
 * ```
 */
export async function readState(path: string): Promise<LocalState | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as LocalState;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Whether a pid is a running process whose command line contains `needle`.
 *
 * @param pid The pid.
 * @param needle What its `/proc/PID/cmdline` must contain (default `redis-server`).
 * @returns True when it is.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { isProcess } from "./state.ts";
 * equal(isProcess(Deno.pid, "deno"), true);
 * equal(isProcess(Deno.pid, "redis-server"), false);
 * ```
 */
export function isProcess(pid: number, needle = "redis-server"): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).includes(needle);
  } catch {
    return false;
  }
}

function signalIf(pid: number, needle: string, signal: Deno.Signal): boolean {
  if (!isProcess(pid, needle)) return false;
  try {
    Deno.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the servers a state file lists: SIGTERM to the proxy's pid while it is still a
 * `nutcracker` and to each pid that is still a `redis-server`, SIGKILL to any left after
 * `graceMs`; then removes their `redfill-*` folders.
 *
 * @param state The state.
 * @param graceMs How long to wait after SIGTERM (default 3000 ms).
 * @returns Which pids were stopped, gone already or left alone, and which folders removed.
 * @example
 * ```ts ignore
 * import { readState, stopFromState } from "./state.ts";
 * const state = await readState(".redfill/local.json");
 * if (state) await stopFromState(state);
 * ```
 */
export async function stopFromState(
  state: LocalState,
  graceMs = 3000,
): Promise<StopFromStateResult> {
  const result: StopFromStateResult = { stopped: [], gone: [], skipped: [], removed: [] };
  // The proxy first, so it never sees its servers go away under a client.
  const processes = [
    ...(state.proxy ? [{ pid: state.proxy.pid, needle: "nutcracker" }] : []),
    ...state.nodes.map(({ pid }) => ({ pid, needle: "redis-server" })),
  ];
  const stopped: typeof processes = [];
  for (const process of processes) {
    if (signalIf(process.pid, process.needle, "SIGTERM")) stopped.push(process);
    else if (existsSync(`/proc/${process.pid}`)) result.skipped.push(process.pid);
    else result.gone.push(process.pid);
  }
  result.stopped = stopped.map(({ pid }) => pid);
  const alive = () => stopped.some(({ pid, needle }) => isProcess(pid, needle));
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(25);
  for (const { pid, needle } of stopped) signalIf(pid, needle, "SIGKILL");
  while (alive() && Date.now() < deadline + 2000) await sleep(25);

  const dirs = [
    ...(state.proxy ? [state.proxy.dir] : []),
    ...state.nodes.map((n) => n.dir),
    ...(state.tls ? [state.tls.dir] : []),
  ];
  for (const dir of dirs) {
    if (!basename(dir).startsWith("redfill-")) continue;
    try {
      await Deno.remove(dir, { recursive: true });
      result.removed.push(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return result;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
