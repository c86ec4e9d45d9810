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
import { ConnectionError, RedfillError, UsageError } from "../errors.ts";
import { formatAddress, isUnixSocket } from "../address.ts";
import { aclUser, PermissionError } from "../permission.ts";
import { servingMasters } from "../cluster/nodes.ts";
import { slotOwners, uncoveredSlots } from "../cluster/slots.ts";
import { give, sentence, stepOption } from "../message.ts";
import { KEYSPACE_DEFAULTS } from "../defaults.ts";
import { infoField } from "../resp/info.ts";
import { sleep } from "../time.ts";
import { defineStep } from "../pipeline/define.ts";
import type { FlushResult, Logger, NodeInfo, PlanStepView, Transport } from "../types.ts";

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
    if (options.enabled && target.mode === "proxy") {
      return [{
        path: ["enabled"],
        message:
          'cannot flush through a proxy (it has no FLUSHALL or SCAN): set "enabled: false" and flush the servers behind it directly',
        words: (name) =>
          `Cannot flush through a proxy (it has no FLUSHALL or SCAN): drop ${
            name("enabled")
          } and flush the servers behind it directly; verify counts this fill's keys exactly either way`,
      }];
    }
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
    // Nothing is flushed unless every master answers, every slot is served and the user may
    // run the flush everywhere: a fill that is going to fail must not empty the target first.
    const prefix = options.prefix ?? KEYSPACE_DEFAULTS.prefix;
    const probed = await checkBeforeFlush(transport, aclUser(ctx.target), options.scope, prefix);
    if (options.scope === "all") {
      await flushAll(transport, nodes, probed, ctx.logger, ctx.signal);
      ctx.logger.info(`Flushed ${nodes.length} master${nodes.length === 1 ? "" : "s"} (FLUSHALL)`);
    } else {
      output.deleted = await deleteByPrefix(transport, prefix, ctx.signal);
      ctx.logger.info(`Deleted ${output.deleted} keys under "${prefix}"`);
    }
    ctx.provide("flush", output);
    return output;
  },
});

/** The fix offered to a user who may not run FLUSHALL. */
function prefixInstead() {
  return sentence`${
    give(stepOption("scope"), "prefix")
  } to delete only this fill's keys with SCAN and UNLINK`;
}

/**
 * Checks, before anything is flushed, that every master answers, every slot is served, and
 * (with `ACL DRYRUN`, where the user may run it) that the user may run the flush's commands on
 * every master.
 *
 * @param transport A connected transport.
 * @param user The ACL user.
 * @param scope `all` (FLUSHALL) or `prefix` (SCAN + UNLINK).
 * @param prefix The prefix for `prefix`.
 * @returns Whether the permission was proved on every master (else the first FLUSHALL is the
 *   probe).
 * @throws {ConnectionError} naming the node, the slots or the permission; nothing flushed.
 */
async function checkBeforeFlush(
  transport: Transport,
  user: string,
  scope: "all" | "prefix",
  prefix: string,
): Promise<boolean> {
  const topology = transport.topology();
  const missing = uncoveredSlots(slotOwners(servingMasters(topology)));
  if (missing) {
    throw new ConnectionError(
      `No reachable master serves slots ${missing}: nothing was flushed; run again once every slot is served`,
    );
  }
  const masters = topology.nodes.filter((node) => node.role === "master");
  const answers = await Promise.allSettled(
    masters.map((node) => transport.call(["PING"], { node: node.id })),
  );
  answers.forEach((answer, k) => {
    if (answer.status === "fulfilled") return;
    const error = answer.reason;
    const node = masters[k]!;
    throw new ConnectionError(
      error instanceof RedfillError
        ? sentence`${error.sentence}; nothing was flushed`
        : `Master "${
          formatAddress(node.host, node.port)
        }" does not answer (${error}): nothing was flushed`,
      { cause: error },
    );
  });
  const probes: string[][] = scope === "all"
    ? [["FLUSHALL"]]
    : [["SCAN", "0"], ["UNLINK", `${prefix}redfill-probe`]];
  let proved = true;
  for (const node of masters) {
    for (const command of probes) {
      let reply: unknown;
      try {
        reply = await transport.call(["ACL", "DRYRUN", user, ...command], { node: node.id });
      } catch (error) {
        // No ACL DRYRUN (Redis < 7, or the user may not run ACL): the command's own NOPERM
        // is the probe, on one master before the others are flushed.
        if (error instanceof RedfillError && !(error instanceof PermissionError)) throw error;
        proved = false;
        continue;
      }
      if (String(reply) === "OK") continue;
      throw new PermissionError({
        user,
        args: command,
        address: formatAddress(node.host, node.port),
        reply: `NOPERM ${reply}`,
        keys: `~${prefix}*`,
        otherwise: command[0] === "FLUSHALL" ? prefixInstead() : undefined,
      });
    }
  }
  return proved;
}

/**
 * FLUSHALL on every master; when the permission was not proved, on the first master alone
 * first. A failure names the masters already emptied.
 */
async function flushAll(
  transport: Transport,
  masters: readonly NodeInfo[],
  proved: boolean,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const emptied: string[] = [];
  const flush = async (node: NodeInfo) => {
    // ASYNC: a synchronous FLUSHALL of gigabytes blocks the server for seconds (3.7 GB of small
    // collection elements took more than the 10 s command timeout), so it returns at once and
    // the memory is freed by the server's lazyfree thread, which is waited for below.
    await transport.call(["FLUSHALL", "ASYNC"], { node: node.id });
    emptied.push(formatAddress(node.host, node.port));
    await lazyFreed(transport, node, logger, signal);
  };
  const first = proved ? undefined : masters[0];
  const rest = proved ? masters : masters.slice(1);
  try {
    if (first !== undefined) await flush(first);
  } catch (error) {
    throw withFix(error);
  }
  const results = await Promise.allSettled(rest.map(flush));
  const failure = results.find((result) => result.status === "rejected");
  if (failure === undefined) return;
  const error = withFix(failure.reason);
  const done = emptied.length === 0
    ? "no master was emptied"
    : `already emptied: ${emptied.join(", ")}`;
  throw new ConnectionError(
    error instanceof RedfillError
      ? sentence`${error.sentence} (${done})`
      : `FLUSHALL failed: ${String(error).slice(0, 160)} (${done})`,
    { cause: error },
  );
}

/** A permission error for FLUSHALL gets the prefix alternative. */
function withFix(error: unknown): unknown {
  if (error instanceof PermissionError && error.init.otherwise === undefined) {
    return new PermissionError({ ...error.init, otherwise: prefixInstead() }, { cause: error });
  }
  return error;
}

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

/**
 * Waits until a master's lazyfree thread has freed what `FLUSHALL ASYNC` handed it
 * (`lazyfree_pending_objects:0` in `INFO memory`), so the fill after the flush starts from the
 * server's real memory: its `used_memory`, `maxmemory` headroom and `--until-memory` plan. A user
 * who may not run INFO skips the wait.
 */
async function lazyFreed(
  transport: Transport,
  node: NodeInfo,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  for (let polls = 0;; polls++) {
    let info: string;
    try {
      info = String(await transport.call(["INFO", "memory"], { node: node.id }));
    } catch (error) {
      if (error instanceof PermissionError) return;
      throw error;
    }
    const pending = Number(infoField(info, "lazyfree_pending_objects") ?? 0);
    if (!(pending > 0)) return;
    if (polls === 20) {
      logger.info(
        `Master "${
          formatAddress(node.host, node.port)
        }" is still freeing the flushed data (${pending} objects left); waiting for it`,
      );
    }
    await sleep(50, signal);
  }
}
