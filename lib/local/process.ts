/**
 * Child processes `lib/local` starts, and their cleanup: every pid goes into a module-level
 * registry; while anything is registered, SIGINT and SIGTERM stop it all and exit with 130;
 * on `unload` whatever is left is killed synchronously. Only processes started here are ever
 * killed, and only by their pid.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { ExitCode, MissingProgramError, UsageError } from "../errors.ts";

/** How to install each program `lib/local` runs. */
const INSTALL: Record<string, string> = {
  "redis-server": "apt-get install -y redis-server",
  "openssl": "apt-get install -y openssl",
  "nutcracker": "apt-get install -y nutcracker",
};

/** A child process started through {@linkcode spawnTracked}. */
export interface TrackedProcess {
  /** Its pid. */
  readonly pid: number;
  /** Resolves when it exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Whether it exited already. */
  readonly exited: boolean;
  /** Its stderr, complete once it exited. */
  readonly stderr: Promise<string>;
}

/** Options for {@linkcode spawnTracked}. */
export interface SpawnTrackedOptions {
  /** Working directory. */
  cwd?: string;
  /**
   * Stop the process (and exit 130) on SIGINT/SIGTERM (default true). False leaves signals to
   * the caller, who must stop it.
   */
  handleSignals?: boolean;
  /**
   * Start it in its own session (`setsid`, when on PATH), so a Ctrl-C typed in the terminal
   * reaches only this process, which then stops the child in its own time (default false).
   */
  newSession?: boolean;
}

class Tracked implements TrackedProcess {
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  readonly stderr: Promise<string>;
  readonly handleSignals: boolean;
  exited = false;

  constructor(child: Deno.ChildProcess, handleSignals: boolean) {
    this.pid = child.pid;
    this.handleSignals = handleSignals;
    this.stderr = new Response(child.stderr).text().catch(() => "");
    this.status = child.status.then((status) => {
      this.exited = true;
      running.delete(this.pid);
      updateSignalListeners();
      return status;
    });
  }
}

const running = new Map<number, Tracked>();
const stoppers = new Set<() => Promise<void>>();
const tempDirs = new Set<string>();
let listening = false;
let interrupted = false;

function onSignal(): void {
  if (interrupted) return;
  interrupted = true;
  const all = Promise.allSettled([...stoppers].map((stop) => stop()));
  const grace = new Promise((resolve) => setTimeout(resolve, 3000));
  Promise.race([all, grace]).finally(() => {
    killAllSync();
    Deno.exit(ExitCode.Interrupted);
  });
}

function updateSignalListeners(): void {
  const wanted = stoppers.size > 0 ||
    [...running.values()].some((tracked) => tracked.handleSignals);
  if (wanted === listening) return;
  listening = wanted;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    if (wanted) Deno.addSignalListener(signal, onSignal);
    else Deno.removeSignalListener(signal, onSignal);
  }
}

/** Kills every registered process with SIGKILL and removes registered temp folders, now. */
function killAllSync(): void {
  for (const tracked of running.values()) {
    if (tracked.exited) continue;
    try {
      Deno.kill(tracked.pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // gone already
    }
  }
  tempDirs.clear();
}

globalThis.addEventListener("unload", killAllSync);

/**
 * Starts a program as a tracked child (stdin and stdout discarded: servers log to a file;
 * stderr kept for errors before the log file opens). A missing program is a {@linkcode MissingProgramError} naming how to install it.
 *
 * @param program The program, looked up on PATH.
 * @param args Its arguments.
 * @param options Working directory.
 * @returns The tracked process.
 * @throws {MissingProgramError} When the program is not on PATH.
 * @example
 * ```ts ignore
 * import { spawnTracked } from "./process.ts";
 * const child = spawnTracked("redis-server", ["--port", "0"]);
 * ```
 */
export function spawnTracked(
  program: string,
  args: string[],
  options: SpawnTrackedOptions = {},
): TrackedProcess {
  let child: Deno.ChildProcess;
  const setsid = options.newSession === true ? findOnPath("setsid") : undefined;
  if (setsid !== undefined && findOnPath(program) === undefined) {
    throw new MissingProgramError(program, INSTALL[program] ?? `install "${program}"`);
  }
  try {
    // A child of ours is never a process group leader, so setsid execs without forking:
    // the pid is the program's own.
    child = new Deno.Command(setsid ?? program, {
      args: setsid === undefined ? args : [program, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MissingProgramError(program, INSTALL[program] ?? `install "${program}"`);
    }
    throw error;
  }
  const tracked = new Tracked(child, options.handleSignals ?? true);
  running.set(tracked.pid, tracked);
  updateSignalListeners();
  return tracked;
}

/**
 * Fails now, before anything is started, when a program `lib/local` needs is not on PATH.
 *
 * @param program The program, looked up on PATH.
 * @throws {MissingProgramError} When it is not there, naming how to install it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireProgram } from "./process.ts";
 * assert.throws(() => requireProgram("no-such-program-here"), /Cannot find "no-such-program-here"/);
 * ```
 */
export function requireProgram(program: string): void {
  if (findOnPath(program) === undefined) {
    throw new MissingProgramError(program, INSTALL[program] ?? `install "${program}"`);
  }
}

function findOnPath(program: string): string | undefined {
  if (program.includes("/")) return program;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    const path = join(dir, program);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Runs a program to completion and returns its output; a non-zero exit is an error that
 * quotes its stderr. A missing program is a {@linkcode MissingProgramError}.
 *
 * @param program The program, looked up on PATH.
 * @param args Its arguments.
 * @param options Working directory.
 * @returns Its stdout.
 * @throws {MissingProgramError} When the program is not on PATH.
 * @example
 * ```ts ignore
 * import { runProgram } from "./process.ts";
 * await runProgram("openssl", ["version"]);
 * ```
 */
export async function runProgram(
  program: string,
  args: string[],
  options: SpawnTrackedOptions = {},
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, {
      args,
      stdin: "null",
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new MissingProgramError(program, INSTALL[program] ?? `install "${program}"`);
    }
    throw error;
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `"${program} ${args[0] ?? ""}" failed with exit code ${output.code}: ${stderr}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/**
 * Sends a signal to a tracked process unless it exited, and waits until it did.
 *
 * @param process A process from {@linkcode spawnTracked}.
 * @param signal The signal (default SIGKILL).
 * @returns When it exited.
 * @example
 * ```ts ignore
 * import { killTracked, spawnTracked } from "./process.ts";
 * await killTracked(spawnTracked("sleep", ["60"]));
 * ```
 */
export async function killTracked(
  process: TrackedProcess,
  signal: Deno.Signal = "SIGKILL",
): Promise<void> {
  if (!process.exited) {
    try {
      Deno.kill(process.pid, signal);
    } catch {
      // exited meanwhile
    }
  }
  await process.status;
}

/**
 * Registers a stop function to run on SIGINT/SIGTERM before the process exits with 130.
 *
 * @param stop Stops what the caller started.
 * @example
 * ```ts ignore
 * import { registerStopper } from "./process.ts";
 * registerStopper(async () => {});
 * ```
 */
export function registerStopper(stop: () => Promise<void>): void {
  stoppers.add(stop);
  updateSignalListeners();
}

/**
 * Forgets a stop function given to {@linkcode registerStopper}.
 *
 * @param stop The same function.
 * @example
 * ```ts ignore
 * import { unregisterStopper } from "./process.ts";
 * unregisterStopper(async () => {});
 * ```
 */
export function unregisterStopper(stop: () => Promise<void>): void {
  stoppers.delete(stop);
  updateSignalListeners();
}

/**
 * Creates a temporary folder named `PREFIX<pid>-…` that is removed on `unload` if nobody
 * removed it before. The first call also removes folders from earlier processes that died
 * without `unload` (an uncaught error skips it).
 *
 * @param prefix Its name prefix, like `redfill-node-`.
 * @returns Its path.
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { basename } from "node:path";
 * import { makeTrackedTempDir, removeTrackedTempDir } from "./process.ts";
 * const dir = await makeTrackedTempDir("redfill-doc-");
 * ok(basename(dir).startsWith(`redfill-doc-${Deno.pid}-`));
 * ok((await Deno.stat(dir)).isDirectory);
 * await removeTrackedTempDir(dir);
 * ```
 */
export async function makeTrackedTempDir(prefix: string): Promise<string> {
  let dir: string;
  try {
    dir = await Deno.makeTempDir({ prefix: `${prefix}${Deno.pid}-` });
  } catch (error) {
    throw new UsageError(temporaryFolderProblem(error), { cause: error });
  }
  tempDirs.add(dir);
  if (!swept) {
    swept = true;
    await sweepStaleTempDirs(dirname(dir));
  }
  return dir;
}

let swept = false;

/** The sentence for a temporary folder that cannot be made: where, why, and the fix. */
function temporaryFolderProblem(error: unknown): string {
  const tmp = Deno.env.get("TMPDIR") || Deno.env.get("TMP") || Deno.env.get("TEMP") || "/tmp";
  const reason = error instanceof Deno.errors.NotFound
    ? "it does not exist"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : /read-only file system/i.test(String(error))
    ? "it is on a read-only file system"
    : /not a directory/i.test(String(error))
    ? "it is not a folder"
    : String(error instanceof Error ? error.message : error).replace(/\s*\(os error.*$/s, "");
  return `Cannot create a temporary folder for the local servers in "${tmp}": ${reason}; set TMPDIR to a writable folder`;
}

/**
 * Removes `redfill-*-PID-*` folders left by processes that died without `unload` (an
 * uncaught error skips it): only those whose PID no longer runs.
 */
async function sweepStaleTempDirs(parent: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(parent)) {
      const match = /^redfill-[a-z]+-(\d+)-/.exec(entry.name);
      if (!entry.isDirectory || !match) continue;
      const alive = await Deno.stat(`/proc/${match[1]}`).then(() => true, () => false);
      if (!alive) await Deno.remove(join(parent, entry.name), { recursive: true }).catch(() => {});
    }
  } catch {
    // an unreadable temp folder is not worth failing a start for
  }
}

/**
 * Removes a folder from {@linkcode makeTrackedTempDir}; a folder already gone is fine.
 *
 * @param dir Its path.
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { makeTrackedTempDir, removeTrackedTempDir } from "./process.ts";
 * const dir = await makeTrackedTempDir("redfill-doc-");
 * await removeTrackedTempDir(dir);
 * await rejects(Deno.stat(dir), Deno.errors.NotFound);
 * await removeTrackedTempDir(dir); // a folder already gone is fine
 * ```
 */
export async function removeTrackedTempDir(dir: string): Promise<void> {
  tempDirs.delete(dir);
  await Deno.remove(dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}
