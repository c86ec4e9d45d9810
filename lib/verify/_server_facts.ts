/**
 * What verify asks the servers besides the keys — DBSIZE and INFO memory — and what it says
 * when it may not: a user without the command (NOPERM), or a proxy that does not have it. The
 * exact count needs neither, so their absence is a note in the report, not a failure, except
 * for `count: fast`, which is DBSIZE.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { give, sentence, stepOption } from "../message.ts";
import { PermissionError, UnavailableCommandError } from "../permission.ts";
import type { NodeReply, Transport, VerifyCheck } from "../types.ts";

/** Why a command could not run: the user may not, or the endpoint does not have it. */
export type Refusal = PermissionError | UnavailableCommandError;

/** DBSIZE and INFO memory of every master, each replies or its refusal. */
export interface ServerFacts {
  /** DBSIZE per master. */
  sizes: NodeReply[] | Refusal;
  /** INFO memory per master. */
  memory: NodeReply[] | Refusal;
}

/** The replies, or the refusal of a command the user may not run or the endpoint lacks. */
async function unlessRefused<T>(replies: Promise<T>): Promise<T | Refusal> {
  try {
    return await replies;
  } catch (error) {
    if (error instanceof PermissionError || error instanceof UnavailableCommandError) return error;
    throw error;
  }
}

/**
 * Reads DBSIZE and INFO memory of every master.
 *
 * @param transport A connected transport.
 * @param countMode `fast` needs DBSIZE: its refusal is then an error naming `count: exact`.
 * @returns The replies or refusals.
 * @throws {PermissionError} `count: fast` without DBSIZE permission.
 * @throws {UsageError} `count: fast` through a proxy.
 */
export async function readServerFacts(
  transport: Transport,
  countMode: "exact" | "fast",
): Promise<ServerFacts> {
  const [sizes, memory] = await Promise.all([
    unlessRefused(transport.callEachMaster(["DBSIZE"])),
    unlessRefused(transport.callEachMaster(["INFO", "memory"])),
  ]);
  if (countMode === "fast" && sizes instanceof PermissionError) {
    throw new PermissionError({
      ...sizes.init,
      otherwise: sentence`${
        give(stepOption("count"), "exact")
      } to count this fill's keys with EXISTS`,
    }, { cause: sizes });
  }
  if (countMode === "fast" && sizes instanceof UnavailableCommandError) {
    throw new UsageError(
      sentence`${sizes.message}: ${give(stepOption("count"), "exact")} to count this fill's keys`,
    );
  }
  return { sizes, memory };
}

/**
 * The report's notes for what could not be read: `dbsize: not read …`, and the memory check,
 * `not measured …` or `measured()`.
 *
 * @param facts What {@linkcode readServerFacts} read.
 * @param measured The memory check from the INFO replies.
 * @returns The checks to add.
 */
export function serverFactChecks(facts: ServerFacts, measured: () => VerifyCheck): VerifyCheck[] {
  const lower = (error: Error) => error.message.replace(/^The /, "the ");
  const checks: VerifyCheck[] = [];
  if (facts.sizes instanceof Error) {
    checks.push({
      name: "dbsize",
      ok: true,
      detail: `not read: ${lower(facts.sizes)}; the exact count above does not need it`,
    });
  }
  checks.push(
    facts.memory instanceof Error
      ? { name: "memory", ok: true, detail: `not measured: ${lower(facts.memory)}` }
      : measured(),
  );
  return checks;
}
