/**
 * Helpers shared by the verify and report tests: a connected transport to a local server and
 * a small fill (8 MiB: 65,536 keys of 64+64 bytes, four per slot).
 *
 * @module
 */

import { runFill } from "../../lib/fill/fill.ts";
import type { FillResult, KeyspaceParams, Transport } from "../../lib/types.ts";
import { memoryLogger } from "../_local.ts";

export { withTransport } from "../_local.ts";

/** 65,536 keys of 64 + 64 bytes: 8 MiB, four keys per slot. */
export const SMALL_KEYSPACE: KeyspaceParams = {
  count: 65536,
  keySize: 64,
  valueSize: 64,
  seed: 7,
  prefix: "redfill:",
};

/**
 * Fills a fresh local server with a keyspace (flushed: it was empty).
 *
 * @param transport A connected transport.
 * @param keyspace The keyspace (default {@linkcode SMALL_KEYSPACE}).
 * @returns The fill result.
 */
export function smallFill(
  transport: Transport,
  keyspace: KeyspaceParams = SMALL_KEYSPACE,
): Promise<FillResult> {
  return runFill(transport, { keyspace, flushed: true, logger: memoryLogger() });
}
