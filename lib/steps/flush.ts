/**
 * The `flush` step: FLUSHALL on every master, or delete only the keys under a prefix.
 *
 * With `scope: prefix` and no `prefix` of its own, it deletes under the prefix of the fill
 * step it runs before (the first `fill` after it, else the last one before it), read from the
 * plan at load time (`resolve`), so `--dry-run` shows the prefix it will use; without a fill
 * step, under redfill's default prefix (`redfill:`).
 *
 * @module
 */

import { z } from "zod";
import { isIP } from "node:net";
import { UsageError } from "../errors.ts";
import { isUnixSocket } from "../address.ts";
import { give, sentence, stepOption } from "../message.ts";
import { KEYSPACE_DEFAULTS } from "../defaults.ts";
import { defineStep } from "../pipeline/define.ts";
import type { FlushResult, PlanStepView, Transport } from "../types.ts";

/** What `flush` outputs (and provides as the `flush` fact). */
export type FlushOutput = FlushResult;

/**
 * Whether a host is a loopback address, `localhost`, or a Unix socket (on this machine).
 *
 * @param host The host.
 * @returns True for 127.0.0.0/8, ::1, localhost and a socket path.
 */
export function isLoopback(host: string): boolean {
  if (isUnixSocket(host)) return true;
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost" || bare === "::1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
}

/** Empties the target before a fill, so key counts can be checked exactly. */
export const flushStep = defineStep({
  name: "flush",
  description: "FLUSHALL on every master (or scope: prefix deletes only keys under the prefix)",
  options: z.strictObject({
    enabled: z.boolean().default(true).describe(
      "Set false to skip (deno task fill sets it with -f)",
    ),
    scope: z.enum(["all", "prefix"]).default("all").describe(
      "all: FLUSHALL every master; prefix: SCAN + UNLINK only keys under the prefix",
    ),
    prefix: z.string().min(1).optional().describe(
      'Prefix for scope: prefix (default: the prefix of the fill step it runs before, else "redfill:")',
    ),
    yes: z.boolean().default(false).describe("Confirm flushing a host that is not loopback"),
  }),
  needs: ["connection"],
  provides: ["flush"],
  resolve(options, { steps, index }) {
    if (options.prefix !== undefined) return options;
    return { ...options, prefix: fillPrefix(steps, index) };
  },
  // Refused while the pipeline is loaded, before anything connects; run checks every
  // master's host again once the topology is known.
  check(options, { target }) {
    if (!options.enabled || options.yes || isLoopback(target.host)) return [];
    return [{
      path: ["enabled"],
      message:
        `refuses to flush "${target.host}", which is not a loopback address: add "yes: true" to confirm`,
      words: (name) =>
        `Refusing to flush "${target.host}": it is not a loopback address; pass ${
          name("yes")
        } to confirm`,
    }];
  },
  async run(ctx, options): Promise<FlushOutput> {
    const output: FlushOutput = { enabled: options.enabled, scope: options.scope, deleted: 0 };
    if (!options.enabled) {
      ctx.provide("flush", output);
      return output;
    }
    const transport = ctx.get("connection");
    const nodes = transport.topology().nodes.filter((node) => node.role === "master");
    const remote = [ctx.target.host, ...nodes.map((node) => node.host)].find((host) =>
      !isLoopback(host)
    );
    if (remote !== undefined && !options.yes) {
      throw new UsageError(
        sentence`Refusing to flush "${remote}": it is not a loopback address; ${
          give(stepOption("yes"), true)
        } to confirm`,
      );
    }
    if (options.scope === "all") {
      await transport.callEachMaster(["FLUSHALL"]);
      ctx.logger.info(`Flushed ${nodes.length} master${nodes.length === 1 ? "" : "s"} (FLUSHALL)`);
    } else {
      const prefix = options.prefix ?? KEYSPACE_DEFAULTS.prefix;
      output.deleted = await deleteByPrefix(transport, prefix, ctx.signal);
      ctx.logger.info(`Deleted ${output.deleted} keys under "${prefix}"`);
    }
    ctx.provide("flush", output);
    return output;
  },
});

/**
 * The prefix of the fill step a flush at `index` runs before: the first `fill` after it, else
 * the last one before it, else the default prefix.
 *
 * @param steps The plan's steps, with their validated options.
 * @param index The flush step's place.
 * @returns The prefix.
 */
function fillPrefix(steps: readonly PlanStepView[], index: number): string {
  const prefixOf = (step: PlanStepView | undefined) => {
    const prefix = (step?.options as { prefix?: unknown } | undefined)?.prefix;
    return typeof prefix === "string" ? prefix : undefined;
  };
  const isFill = (step: PlanStepView) => step.name === "fill";
  return prefixOf(steps.slice(index + 1).find(isFill)) ??
    prefixOf(steps.slice(0, index).findLast(isFill)) ?? KEYSPACE_DEFAULTS.prefix;
}

/**
 * Deletes every key under a prefix on every master with SCAN and UNLINK.
 *
 * @param transport A connected transport.
 * @param prefix The prefix.
 * @param signal Stops between batches.
 * @returns Keys deleted.
 */
export async function deleteByPrefix(
  transport: Transport,
  prefix: string,
  signal: AbortSignal,
): Promise<number> {
  const pattern = prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`) + "*";
  const masters = transport.topology().nodes.filter((node) =>
    node.role === "master" && node.slots.length > 0
  );
  let deleted = 0;
  for (const node of masters) {
    let cursor = "0";
    do {
      if (signal.aborted) return deleted;
      const reply = await transport.call(
        ["SCAN", cursor, "MATCH", pattern, "COUNT", 1000],
        { node: node.id },
      ) as [string, string[]];
      cursor = String(reply[0]);
      const keys = reply[1];
      // One key per UNLINK: in a cluster, keys of different slots cannot share a command.
      const counts = await Promise.all(
        keys.map((key) => transport.call(["UNLINK", key], { node: node.id })),
      );
      deleted += counts.reduce<number>((sum, count) => sum + Number(count), 0);
    } while (cursor !== "0");
  }
  return deleted;
}
