/**
 * The schema of a merged report's `shards` group (private to `lib/report`), made from the
 * client schema and the statuses `model.ts` defines, so neither file imports the other.
 *
 * @module
 */

import { z } from "zod";

const count = z.number().int().min(0);

/**
 * The `shards` group's schema.
 *
 * @param client The schema of a fill's client cost.
 * @param statuses How a run can end.
 * @returns The schema.
 */
export function shardsSchema<
  TClient extends z.ZodType,
  const TStatus extends readonly [string, ...string[]],
>(
  client: TClient,
  statuses: TStatus,
) {
  const entry = z.strictObject({
    index: count.describe("The shard's index k"),
    source: z.string().describe("Where the report was read (file, and block number in a log)"),
    counted: z.boolean().describe(
      "false: an earlier run of the same index, superseded by a later one (a retry)",
    ),
    status: z.enum(statuses),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    keys: count,
    bytes: count,
    durationMs: z.number().min(0),
    mibPerSecond: z.number().min(0),
    client,
  });
  return z.strictObject({
    count: z.number().int().min(1).describe("Number of shards of the keyspace (n)"),
    merged: z.array(count).describe("Indices with a counted report"),
    missing: z.array(count).describe("Indices without any report: the merge is not ok"),
    reports: z.array(entry).describe(
      "Every report read, by index, retries included (the later one counts)",
    ),
  }).describe("Only in a merged report (report merge): the shard reports it was made of");
}
