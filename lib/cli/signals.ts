/**
 * Signals: the one place in redfill that listens for SIGINT and SIGTERM and exits on them.
 *
 * The command entry (`tasks/redfill.ts`) installs the listeners once, for the whole process,
 * with {@linkcode installSignals}. A command that can stop gracefully (a pipeline run, `redis
 * up`) opens a graceful period with {@linkcode SignalScope.graceful}; while one is open:
 *
 * - the first SIGINT (Ctrl-C) or SIGTERM aborts the period's signal, with an
 *   `InterruptedError` naming the signal as the reason: the fill stops its writers, runs its
 *   barrier, the report prints, and the run exits 130 (SIGINT) or 143 (SIGTERM);
 * - a signal within {@linkcode REPEAT_WINDOW_MS} of the first is the same keypress: a terminal
 *   sends SIGINT to the whole foreground process group and `deno task` forwards one more a
 *   moment later (measured: 0.5 to 2 ms apart, FACTS.md), so it is ignored;
 * - a signal after that window (a second Ctrl-C) quits at once, with 130 or 143; local servers
 *   are still killed, by `lib/local`'s `unload` listener.
 *
 * Outside a graceful period (parsing flags, `redis status`, a benchmark) the first signal quits
 * at once. `lib/local` has its own listener for library users; every command passes it
 * `handleSignals: false`, so in the CLI process this module is the only one.
 *
 * @module
 */

import { ExitCode, type ExitCodeValue, InterruptedError, type StopSignal } from "../errors.ts";
import { writeErr } from "./terminal.ts";

/**
 * Milliseconds after the first signal during which another one counts as the same keypress
 * (the terminal's copy and `deno task`'s forwarded copy). Half a second: far above the 2 ms
 * measured between the two copies, and below the time a person takes to press Ctrl-C again
 * on purpose; a second press inside it is ignored, a third quits.
 */
export const REPEAT_WINDOW_MS = 500;

/** What a received signal means, as decided by {@linkcode SignalGate.receive}. */
export type SignalAction = "stop" | "duplicate" | "quit";

/** The exit code a stop signal ends a run with. */
export function exitCodeOf(signal: StopSignal): ExitCodeValue {
  return signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Interrupted;
}

/**
 * The decision behind the signal listeners, without the listeners or the clock: pure, so it
 * can be tested with the times a terminal and `deno task` produce.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { SignalGate } from "./signals.ts";
 * const gate = new SignalGate({ windowMs: 500 });
 * deepEqual(
 *   [gate.receive(1000, true), gate.receive(1002, true), gate.receive(1900, true)],
 *   ["stop", "duplicate", "quit"],
 * );
 * ```
 */
export class SignalGate {
  readonly #windowMs: number;
  #first: number | undefined;

  /** @param options How long a repeated signal counts as the same one. */
  constructor(options: { windowMs?: number } = {}) {
    this.#windowMs = options.windowMs ?? REPEAT_WINDOW_MS;
  }

  /**
   * Decides what a signal received at `nowMs` means.
   *
   * @param nowMs A monotonic time in milliseconds.
   * @param graceful Whether a graceful period is open (a run that can stop and report).
   * @returns `stop` (abort the period), `duplicate` (ignore) or `quit` (exit at once).
   */
  receive(nowMs: number, graceful: boolean): SignalAction {
    if (this.#first === undefined) {
      if (!graceful) return "quit";
      this.#first = nowMs;
      return "stop";
    }
    return nowMs - this.#first < this.#windowMs ? "duplicate" : "quit";
  }
}

/** A period during which signals stop the work gracefully instead of quitting. */
export interface GracefulPeriod extends Disposable {
  /** Aborted by the first SIGINT or SIGTERM, with an `InterruptedError` naming it. */
  readonly signal: AbortSignal;
  /** Ends the period: signals quit at once again. */
  dispose(): void;
}

/** The process's signal listeners, installed once by the command entry. */
export interface SignalScope {
  /**
   * Opens a graceful period (one at a time; a nested call returns the open one).
   *
   * @returns The period; dispose it when the work is done.
   */
  graceful(): GracefulPeriod;
  /** Removes the listeners. */
  uninstall(): void;
}

/** Options for {@linkcode installSignals}. */
export interface InstallSignalsOptions {
  /** See {@linkcode REPEAT_WINDOW_MS}. */
  windowMs?: number;
  /** How to quit at once (default `Deno.exit`). */
  exit?: (code: ExitCodeValue) => void;
  /** A monotonic clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** Whether stderr is a terminal. */
function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** The signals listened to (Windows has no SIGTERM listener). */
function stopSignals(): StopSignal[] {
  return Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
}

/**
 * Installs the SIGINT and SIGTERM listeners for the whole process. Call it once, in the
 * command entry.
 *
 * @example
 * ```ts ignore
 * const signals = installSignals();
 * using period = signals.graceful();
 * await runPipeline(pipeline, { signal: period.signal });
 * ```
 *
 * @param options The repeat window, and the exit and clock (for tests).
 * @returns The scope that commands open graceful periods in.
 */
export function installSignals(options: InstallSignalsOptions = {}): SignalScope {
  const gate = new SignalGate(options);
  const exit = options.exit ?? ((code: ExitCodeValue) => Deno.exit(code));
  const now = options.now ?? (() => performance.now());
  let open: { controller: AbortController; period: GracefulPeriod } | undefined;
  const listeners = stopSignals().map((name) => {
    const listener = () => {
      const action = gate.receive(now(), open !== undefined);
      if (action === "duplicate") return;
      if (action === "quit" || open === undefined) {
        if (open !== undefined) writeErr(`${name} again: quitting at once`);
        exit(exitCodeOf(name));
        return;
      }
      // On a terminal the progress line is being rewritten in place: start a line of our own.
      if (stderrIsTerminal()) writeErr("");
      writeErr(
        name === "SIGINT"
          ? "Interrupted: stopping the writers and reporting what was written (press Ctrl-C again to quit at once)"
          : "Terminated (SIGTERM): stopping the writers and reporting what was written",
      );
      open.controller.abort(
        new InterruptedError(name === "SIGINT" ? "Interrupted" : "Terminated (SIGTERM)", {
          signal: name,
        }),
      );
    };
    Deno.addSignalListener(name, listener);
    return [name, listener] as const;
  });
  return {
    graceful(): GracefulPeriod {
      if (open !== undefined) return open.period;
      const controller = new AbortController();
      const period: GracefulPeriod = {
        signal: controller.signal,
        dispose() {
          if (open?.period === period) open = undefined;
        },
        [Symbol.dispose]() {
          period.dispose();
        },
      };
      open = { controller, period };
      return period;
    },
    uninstall() {
      for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
    },
  };
}

/**
 * A scope with no listeners, for running a command in-process (tests, a library caller): a
 * graceful period's signal is never aborted by a signal.
 *
 * @returns The scope.
 */
export function noSignals(): SignalScope {
  return {
    graceful() {
      const controller = new AbortController();
      return { signal: controller.signal, dispose() {}, [Symbol.dispose]() {} };
    },
    uninstall() {},
  };
}
