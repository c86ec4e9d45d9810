/**
 * The error `lib/local` throws when a local server cannot be started or a cluster does not
 * become ready: one sentence naming the node and what it said, printed without a stack.
 *
 * @module
 */

import { ExitCode, RedfillError, type RedfillErrorOptions } from "../errors.ts";

/** A local `redis-server` failed to start, or a local cluster did not become ready: exit 3. */
export class LocalRedisError extends RedfillError {
  /**
   * @param message One sentence naming the node, what went wrong and what it logged.
   * @param options The cause, if any.
   */
  constructor(message: string, options: RedfillErrorOptions = {}) {
    super(message, ExitCode.Connection, options);
    this.name = "LocalRedisError";
  }
}
