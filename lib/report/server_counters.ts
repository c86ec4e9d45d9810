/**
 * What the servers themselves said about the fill, in the report: the masters' own counters
 * (`fill.server`: the schema, the note on how to read them, and how a fill result becomes it)
 * and each master's replicas' acknowledgement (`fill.nodes[].replication`).
 *
 * @module
 */

import { z } from "zod";
import type { FillResult, NodeReplication, ServerCounters } from "../types.ts";
import type { ReportFill, ReportServer } from "./types.ts";

const count = z.number().int().min(0);

/** With `durability: replicas`, what `WAIT` answered for one master. */
export const ReportReplicationSchema = z.strictObject({
  wanted: count.describe("Replicas the fill waited for (the master's replicas)"),
  acknowledged: count.describe("The fewest replicas that acknowledged one writer's writes"),
}).nullable().describe("With durability: replicas, what WAIT answered; else null");

/** What one master's own counters grew by during the fill. */
export const ReportServerNodeSchema = z.strictObject({
  nodeId: z.string(),
  address: z.string().describe("host:port"),
  read: z.boolean().describe("Whether INFO stats and INFO errorstats could be read"),
  reason: z.string().nullable().describe("Why they could not be read (or the last reading failed)"),
  evictedKeys: count.describe("evicted_keys grew by this much"),
  expiredKeys: count.describe("expired_keys grew by this much (TTL keys expiring)"),
  errorReplies: count.describe("total_error_replies grew by this much"),
  rejectedCalls: count.describe("rejected_calls grew by this much"),
  errors: z.record(z.string(), count).describe(
    "errorstat_<PREFIX> counts that grew, by prefix (OOM, NOPERM, MOVED, …)",
  ),
});

/** What the masters' own counters say about the fill. */
export const ReportServerSchema = z.strictObject({
  read: z.boolean().describe("Whether any master's counters could be read"),
  readings: count.describe("How many times they were read (before, at each barrier, after)"),
  note: z.string().describe("How to read these counters"),
  nodes: z.array(ReportServerNodeSchema),
}).describe(
  "The masters' own counters (INFO stats, INFO errorstats), as differences over the fill; server-wide: every client's commands count, not only this fill's",
);

/** How to read the server counters: said in every report that has them. */
export const SERVER_COUNTERS_NOTE =
  "Differences of each master's INFO stats and INFO errorstats over the fill. They are server-wide: another client's errors, evictions and expirations count too. errors.OOM: writes rejected at maxmemory (the fill fails); evictedKeys: keys evicted (the fill fails unless on-eviction: warn); expiredKeys: keys whose TTL ran out (expected with a TTL).";

/**
 * The report section of a fill's server counters.
 *
 * @param server The counters of the fill result.
 * @returns The section, with the note on how to read it.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { serverReport } from "./server_counters.ts";
 * const section = serverReport({ read: false, readings: 1, nodes: [] });
 * equal(section.read, false);
 * equal(section.note.includes("server-wide"), true);
 * ```
 */
export function serverReport(server: ServerCounters): ReportServer {
  return {
    read: server.read,
    readings: server.readings,
    note: SERVER_COUNTERS_NOTE,
    nodes: server.nodes.map((node) => ({
      nodeId: node.nodeId,
      address: node.address,
      read: node.read,
      reason: node.reason ?? null,
      evictedKeys: node.evictedKeys,
      expiredKeys: node.expiredKeys,
      errorReplies: node.errorReplies,
      rejectedCalls: node.rejectedCalls,
      errors: { ...node.errors },
    })),
  };
}

/** The fields of `fill` that say what the servers did: in the order of the JSON. */
export const reportFillServerShape = {
  waitedForReplicas: z.boolean().describe(
    "durability: replicas: every writer ended with WAIT for the master's replicas",
  ),
  resentSlots: count.describe(
    "Slots whose keys were re-sent, acked, because they moved or were migrating at a barrier",
  ),
  server: ReportServerSchema.nullable().describe(
    "The masters' own counters during the fill; null for a declared keyspace",
  ),
};

/**
 * The report's `waitedForReplicas`, `resentSlots` and `server` of a fill result.
 *
 * @param fill The fill result.
 * @returns The three fields.
 */
export function fillServerFields(
  fill: FillResult,
): Pick<ReportFill, "waitedForReplicas" | "resentSlots" | "server"> {
  return {
    waitedForReplicas: fill.waitedForReplicas === true,
    resentSlots: fill.resentSlots ?? 0,
    server: fill.server === undefined ? null : serverReport(fill.server),
  };
}

/**
 * A master's `replication` in the report: what `WAIT` answered, or null without it.
 *
 * @param replication The node's replication in the fill result.
 * @returns The field.
 */
export function replicationReport(
  replication: NodeReplication | undefined,
): { wanted: number; acknowledged: number } | null {
  return replication === undefined
    ? null
    : { wanted: replication.wanted, acknowledged: replication.acknowledged };
}
