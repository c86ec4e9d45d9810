/**
 * Helpers for tests that talk to local servers: a recording logger and a connected transport.
 *
 * @module
 */

import { localTarget } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { ClusterTransport } from "../lib/transport/cluster.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import type { Logger, Target, Transport } from "../lib/types.ts";

/** A logger that keeps every line, for assertions. */
export interface MemoryLogger extends Logger {
  /** Every line logged, as `level: message`. */
  lines: string[];
}

/**
 * A logger that records lines.
 *
 * @returns The logger.
 */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
  };
}

/** Options for {@linkcode withTransport}. */
export interface WithTransportOptions {
  /** Where the transport logs (default: a {@linkcode memoryLogger}). */
  logger?: Logger;
  /** Target fields to set on top of the local server's. */
  target?: Partial<Target>;
}

/**
 * Runs `body` with a transport connected to a local server, and always closes it.
 *
 * @param local The running servers.
 * @param body What to do.
 * @param options Logger and target overrides.
 * @returns What `body` returns.
 */
export async function withTransport<T>(
  local: LocalRedis,
  body: (transport: Transport) => Promise<T>,
  options: WithTransportOptions = {},
): Promise<T> {
  const init = {
    target: localTarget(local, options.target),
    logger: options.logger ?? memoryLogger(),
  };
  const transport = local.kind === "cluster"
    ? new ClusterTransport(init)
    : new StandaloneTransport(init);
  try {
    await transport.connect();
    return await body(transport);
  } finally {
    await transport.close();
  }
}
