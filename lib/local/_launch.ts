/**
 * Starting a local program on free ports, shared by `redis-server` and `nutcracker`: a
 * temporary folder of its own, spawn, wait until it answers, and when it exits because
 * another process took a port between the probe and its bind, try again with new ports.
 * Stopping one: a polite request, a grace period, then SIGKILL.
 *
 * @module
 */

import { join } from "node:path";
import { LocalRedisError } from "./errors.ts";
import { sleep } from "../time.ts";
import {
  killTracked,
  makeTrackedTempDir,
  removeTrackedTempDir,
  type TrackedProcess,
} from "./process.ts";

/** One attempt's process, its folder and the port named in messages. */
export interface Launched {
  /** The process. */
  process: TrackedProcess;
  /** Its folder. */
  dir: string;
  /** Its main port. */
  port: number;
}

/** What {@linkcode launchWithRetry} does at each step of an attempt. */
export interface LaunchSteps<T extends Launched> {
  /** The program, for messages (`redis-server`, `nutcracker`). */
  program: string;
  /** How many attempts. */
  attempts: number;
  /** The name prefix of its temporary folder, like `redfill-node-`. */
  dirPrefix: string;
  /** The name of the log file it writes in its folder. */
  logFile: string;
  /** Picks free ports, writes what the program reads into `dir`, and spawns it. */
  spawn(dir: string): Promise<T>;
  /** Resolves true once it answers, false when it exited; throws when it never answers. */
  waitUntilReady(started: T): Promise<boolean>;
  /** Releases an attempt's ports. */
  release(started: T): void;
  /** Whether its last lines (stderr, then its log) say a port was taken. */
  isBindFailure(log: string): boolean;
}

async function readLogTail(path: string, stderr: string): Promise<string> {
  const log = await Deno.readTextFile(path).catch(() => "");
  const lines = (stderr + "\n" + log).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.slice(-3).join(" / ");
}

/**
 * Makes the program's folder and runs attempts until one is ready: a program that exits for
 * another reason than a taken port, or that never answers, ends the launch with one sentence
 * quoting its last lines, and its folder is removed.
 *
 * @param steps The steps of an attempt.
 * @returns The ready attempt (its folder stays until the caller removes it).
 * @throws {LocalRedisError} When it exits while starting, never answers, or every attempt
 * found its port taken.
 * @example
 * ```ts ignore
 * import { launchWithRetry } from "./_launch.ts";
 * const server = await launchWithRetry({ program: "redis-server", attempts: 6, ...steps });
 * ```
 */
export async function launchWithRetry<T extends Launched>(steps: LaunchSteps<T>): Promise<T> {
  const dir = await makeTrackedTempDir(steps.dirPrefix);
  const logPath = join(dir, steps.logFile);
  try {
    let lastLog = "";
    for (let attempt = 1; attempt <= steps.attempts; attempt++) {
      const started = await steps.spawn(dir);
      let ready = false;
      try {
        ready = await steps.waitUntilReady(started);
      } catch (error) {
        await killTracked(started.process);
        steps.release(started);
        throw error;
      }
      if (ready) return started;
      await started.process.status;
      steps.release(started);
      lastLog = await readLogTail(logPath, await started.process.stderr);
      if (!steps.isBindFailure(lastLog)) {
        throw new LocalRedisError(
          `Local ${steps.program} exited while starting (port ${started.port}): ${
            lastLog || "no output"
          }`,
        );
      }
      await Deno.remove(logPath).catch(() => {});
    }
    throw new LocalRedisError(
      `Local ${steps.program} could not bind a free port in ${steps.attempts} tries: ${lastLog}`,
    );
  } catch (error) {
    await removeTrackedTempDir(dir);
    throw error;
  }
}

/** Options for {@linkcode pollUntilReady}. */
export interface PollOptions {
  /** The start of the sentence when time runs out, naming the process and what it did not do. */
  failure: string;
  /** How long to keep trying, in milliseconds. */
  timeoutMs: number;
  /** Aborts the wait. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `probe` every 20 ms until it reports the process ready, or the process exits.
 *
 * @param process The process being started.
 * @param probe Resolves undefined when ready, or why not yet; a throw counts as not yet.
 * @param options The failure sentence, the time allowed, an abort signal.
 * @returns True when ready, false when the process exited first.
 * @throws {LocalRedisError} When `timeoutMs` passed: the failure sentence and the last reason.
 * @example
 * ```ts ignore
 * import { pollUntilReady } from "./_launch.ts";
 * await pollUntilReady(process, async () => undefined, { failure: "X did not answer", timeoutMs: 1000 });
 * ```
 */
export async function pollUntilReady(
  process: TrackedProcess,
  probe: () => Promise<string | undefined>,
  options: PollOptions,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    if (process.exited) return false;
    try {
      const notYet = await probe();
      if (notYet === undefined) return true;
      lastError = notYet;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(20);
  }
  throw new LocalRedisError(
    `${options.failure} within ${options.timeoutMs / 1000} s: ${lastError}`,
  );
}

/**
 * Stops a process that was asked to stop: waits up to `graceMs` for it to exit, then kills
 * it with SIGKILL, and waits until it exited.
 *
 * @param process The process.
 * @param ask Asks it to stop (a SHUTDOWN command, a SIGTERM); errors are ignored.
 * @param graceMs How long to wait after asking.
 * @example
 * ```ts ignore
 * import { stopWithGrace } from "./_launch.ts";
 * await stopWithGrace(process, () => Deno.kill(process.pid, "SIGTERM"), 1000);
 * ```
 */
export async function stopWithGrace(
  process: TrackedProcess,
  ask: () => unknown,
  graceMs: number,
): Promise<void> {
  if (!process.exited) {
    try {
      await ask();
    } catch {
      // it is gone, hung, or closed the connection as it exits
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
    await Promise.race([process.status, grace]);
    clearTimeout(timer);
    await killTracked(process, "SIGKILL");
  }
  await process.status;
}
