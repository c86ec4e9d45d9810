/**
 * Helpers shared by the verify and report tests: a connected transport to a local server and
 * a small fill (8 MiB: 65,536 keys of 64+64 bytes, four per slot).
 *
 * @module
 */

import { runFill } from "../../lib/fill/fill.ts";
import { encodeCommand } from "../../lib/resp/encode.ts";
import { ReplyPipeline } from "../../lib/resp/pipeline.ts";
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
 * Fills a local server with a keyspace (flushed by default: a fresh server is empty).
 *
 * @param transport A connected transport.
 * @param keyspace The keyspace (default {@linkcode SMALL_KEYSPACE}).
 * @param flushed Whether the result says the target was flushed first.
 * @returns The fill result.
 */
export function smallFill(
  transport: Transport,
  keyspace: KeyspaceParams = SMALL_KEYSPACE,
  flushed = true,
): Promise<FillResult> {
  return runFill(transport, { keyspace, flushed, logger: memoryLogger() });
}

/**
 * Writes `count` keys of another prefix (`other:0` …, 8-byte values) to a standalone server
 * over a data socket, 1000 per MSET, and waits for every reply.
 *
 * @param transport A connected standalone transport.
 * @param count How many keys.
 * @param prefix Their prefix (default `other:`).
 */
export async function writeForeignKeys(
  transport: Transport,
  count: number,
  prefix = "other:",
): Promise<void> {
  const node = transport.topology().nodes[0]!;
  const pipeline = new ReplyPipeline(await transport.openWriter(node), { timeoutMs: 30_000 });
  try {
    const sends: Promise<void>[] = [];
    for (let first = 0; first < count; first += 1000) {
      const pairs: string[] = ["MSET"];
      for (let i = first; i < Math.min(count, first + 1000); i++) {
        pairs.push(`${prefix}${i}`, "8 bytes!");
      }
      sends.push(pipeline.send(encodeCommand(pairs), 1, (reply) => {
        if (reply !== "OK") throw new Error(`MSET answered ${String(reply)}`);
      }));
    }
    await Promise.all(sends);
  } finally {
    pipeline.close();
  }
}
