/**
 * The stall watchdog of a data socket: one timer per socket, re-armed about once per timeout
 * while writes run, instead of a timer and a race for every write. A fill makes thousands of
 * writes per GiB; a timer each was about 2.5 KiB of garbage per write, enough to keep the
 * heap's young generation growing for the whole fill.
 *
 * @module
 */

import { FillError } from "../errors.ts";

/**
 * The error of a socket whose peer stopped reading.
 *
 * @param address `host:port` of the node.
 * @param timeoutMs The stall timeout.
 * @returns The error.
 */
export function stallError(address: string, timeoutMs: number): FillError {
  return new FillError(
    `Node "${address}" stopped reading: a write made no progress for ${timeoutMs / 1000} s`,
  );
}

/**
 * Calls `onStall` once a write has made no progress for `timeoutMs`: the time since the last
 * {@linkcode StallWatchdog.progress} (or the start of the write) while a write is in flight.
 * The timer never keeps the process alive.
 */
export class StallWatchdog {
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing = false;
  #progressAt = 0;
  #stopped = false;

  /**
   * @param timeoutMs How long a write may make no progress.
   * @param onStall What to do then (fail and close the socket); called at most once.
   */
  constructor(timeoutMs: number, onStall: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onStall = onStall;
  }

  /** A write starts. */
  begin(): void {
    this.#writing = true;
    this.#progressAt = performance.now();
    if (this.#timer === undefined && !this.#stopped) this.#arm(this.#timeoutMs);
  }

  /** The write in flight made progress. */
  progress(): void {
    this.#progressAt = performance.now();
  }

  /** The write in flight ended (done or failed). */
  end(): void {
    this.#writing = false;
  }

  /** No more writes: the timer is cleared. Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    const timer = setTimeout(() => this.#check(), delayMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.#writing || this.#stopped) return;
    const idle = performance.now() - this.#progressAt;
    if (idle < this.#timeoutMs) {
      this.#arm(this.#timeoutMs - idle);
      return;
    }
    this.stop();
    this.#onStall();
  }
}
