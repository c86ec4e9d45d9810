/**
 * The loggers and progress reporters that show nothing, for library use and tests.
 *
 * @module
 */

import type { Logger, ProgressReporter } from "./types.ts";

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
};

/** A progress reporter that shows nothing. */
export const silentProgress: ProgressReporter = {
  update() {},
  done() {},
};
