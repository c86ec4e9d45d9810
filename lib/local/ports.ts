/**
 * Free loopback ports for local servers. Data ports (servers, the proxy's listener) come
 * from 20000–29999; cluster bus ports and the proxy's stats port from 10000–19999: both below Linux's ephemeral range (32768–60999), so an outgoing
 * connection never takes a port between the probe and the server's bind. Another process can
 * still take it (tests run in parallel processes); the caller retries with new ports when the
 * server fails to bind.
 *
 * @module
 */

/** An inclusive range of ports. */
export interface PortRange {
  /** Lowest port. */
  min: number;
  /** Highest port. */
  max: number;
}

/** Where client (data) ports come from. */
export const DATA_PORTS: PortRange = { min: 20000, max: 29999 };

/** Where cluster bus ports (and a local proxy's stats port) come from. */
export const BUS_PORTS: PortRange = { min: 10000, max: 19999 };

/** Ports handed out by this process and not yet released, so two servers never get one. */
const handedOut = new Set<number>();

/**
 * Picks a random port in `range` that is free on 127.0.0.1 right now (probed by listening on
 * it) and was not handed out already by this process.
 *
 * @param range Where to look.
 * @returns The port; release it with {@linkcode releasePort} once its server is gone.
 * @throws {Error} When 500 random tries found nothing free.
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { DATA_PORTS, findFreePort, releasePort } from "./ports.ts";
 * const port = findFreePort(DATA_PORTS);
 * ok(port >= DATA_PORTS.min && port <= DATA_PORTS.max);
 * Deno.listen({ hostname: "127.0.0.1", port }).close(); // it was free
 * releasePort(port);
 * ```
 */
export function findFreePort(range: PortRange): number {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = range.min + Math.floor(Math.random() * (range.max - range.min + 1));
    if (handedOut.has(port)) continue;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port });
      listener.close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error(`No free port on 127.0.0.1 in ${range.min}-${range.max} after 500 tries`);
}

/**
 * Forgets that a port was handed out.
 *
 * @param port A port from {@linkcode findFreePort}; undefined is ignored.
 * @example
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * import { findFreePort, releasePort } from "./ports.ts";
 * const range = { min: 31999, max: 31999 }; // one port, outside the ranges servers use
 * const port = findFreePort(range);
 * throws(() => findFreePort(range), /No free port/); // handed out: not given twice
 * releasePort(port);
 * equal(findFreePort(range), port);
 * releasePort(port);
 * ```
 */
export function releasePort(port: number | undefined): void {
  if (port !== undefined) handedOut.delete(port);
}
