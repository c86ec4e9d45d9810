/**
 * Signals: Ctrl-C and SIGTERM as an AbortSignal.
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import { writeErr } from "./terminal.ts";

/** A signal aborted by Ctrl-C, and how to stop listening. */
export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Removes the signal listeners. */
  dispose(): void;
}

/**
 * Turns the first Ctrl-C (SIGINT, or SIGTERM) into an abort, so steps stop and everything
 * closes; a second one exits at once with 130.
 *
 * @returns The signal and a dispose function.
 */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = () => {
    if (controller.signal.aborted) Deno.exit(ExitCode.Interrupted);
    writeErr("Interrupted: stopping (press Ctrl-C again to quit at once)");
    controller.abort();
  };
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    signal: controller.signal,
    dispose() {
      for (const signal of signals) Deno.removeSignalListener(signal, handler);
    },
  };
}
