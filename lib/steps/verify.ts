/**
 * The `verify` step: checks what landed against the fill (exact counts of this fill's keys,
 * distribution, sampled or full contents, TTLs, memory), provides the result, and fails the run with exit 1 when a check
 * fails — after providing the result, so a `report` step later in the pipeline (which runs
 * even after a failure) still shows the failed verdict.
 *
 * @module
 */

import { z } from "zod";
import { CheckFailedError } from "../errors.ts";
import { aclUser, PermissionError, permissionSentence } from "../permission.ts";
import { VERIFY_DEFAULTS } from "../defaults.ts";
import { defineStep } from "../pipeline/define.ts";
import type { VerifyResult } from "../types.ts";

/**
 * The one-line verdict the step logs.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { verifyVerdict } from "./verify.ts";
 * const line = verifyVerdict({
 *   ok: true, checks: [], totalKeys: 10, expectedKeys: 10, maxDeviation: 0, tolerance: 0.2,
 *   sampled: 10, mismatched: 0, nodes: [],
 * });
 * equal(
 *   line,
 *   "Verify passed: 10 of 10 keys, largest deviation 0.00% (tolerance ±20%), 10 of 10 sampled keys match",
 * );
 * ```
 *
 * @param result A verify result.
 * @returns One line: pass or fail, keys found and expected, deviation, sample.
 */
export function verifyVerdict(result: VerifyResult): string {
  const deviation = `${(result.maxDeviation * 100).toFixed(2)}%`;
  const found = result.count === "fast"
    ? `at least ${result.expectedKeys} keys expected, DBSIZE ${result.totalKeys} (count: fast)`
    : `${result.totalKeys} of ${result.expectedKeys} keys`;
  const content = result.content === "full"
    ? `${result.sampled - result.mismatched} of ${result.sampled} keys match (content: full, ${
      Math.round(result.keysPerSecond ?? 0)
    } keys/s)`
    : `${result.sampled - result.mismatched} of ${result.sampled} sampled keys match`;
  const numbers = `${found}, largest deviation ${deviation} (tolerance ±${
    Number((result.tolerance * 100).toFixed(2))
  }%), ${content}`;
  if (result.ok) return `Verify passed: ${numbers}`;
  const failed = result.checks.filter((check) => !check.ok).map((check) => check.name);
  return `Verify failed (${failed.join(", ")}): ${numbers}`;
}

/**
 * The error for a failed verify: one sentence naming every failed check with its numbers.
 *
 * @param result A verify result with at least one failed check.
 * @returns The error (exit 1).
 */
export function verifyFailure(result: VerifyResult): CheckFailedError {
  const failed = result.checks.filter((check) => !check.ok);
  return new CheckFailedError(
    `Verify failed: ${failed.map((check) => `${check.name}: ${check.detail}`).join("; ")}`,
  );
}

/** Checks what landed against what the fill says it wrote. */
export const verifyStep = defineStep({
  name: "verify",
  description:
    "Count this fill's keys per master, check the spread by slot share, a sample (or all) of the values, TTLs, and memory",
  options: z.strictObject({
    enabled: z.boolean().optional().describe(
      "Set false to skip (deno task fill --no-verify sets it; default true): no verdict is reported",
    ),
    tolerance: z.number().min(0).max(10).default(VERIFY_DEFAULTS.tolerance).describe(
      "Largest allowed deviation of a master's keys from its slot share, as a fraction (0.2 = ±20%)",
    ),
    sample: z.number().int().min(0).default(VERIFY_DEFAULTS.sample).describe(
      "Keys whose values are fetched and compared byte for byte (0 skips the content check)",
    ),
    count: z.enum(["exact", "fast"]).default(VERIFY_DEFAULTS.count).describe(
      "exact: count this fill's keys (batched EXISTS per master; other keys never count); fast: DBSIZE, which can only say at least",
    ),
    content: z.enum(["sample", "full"]).default(VERIFY_DEFAULTS.content).describe(
      "sample: compare the sampled keys' values; full: read every key back and compare it",
    ),
    "stable-timeout": z.number().int().min(0).default(VERIFY_DEFAULTS.stableTimeoutMs).describe(
      "How long to wait for a stable slot map (no slot migrating, every node agreeing) before counting, in milliseconds (default 30000)",
    ),
  }),
  needs: ["connection", "topology", "fill"],
  provides: ["verify"],
  metrics: {
    "max-deviation": {
      unit: "%",
      description: "Largest deviation of a master's keys from its share of slots, in percent",
    },
    missing: { unit: "number", description: "This fill's keys not found" },
    mismatched: { unit: "number", description: "Keys whose contents differ" },
    keys: { unit: "number", description: "Keys found" },
  },
  async run(ctx, options): Promise<VerifyResult | undefined> {
    if (options.enabled === false) {
      ctx.logger.debug("Verify skipped (enabled: false)");
      return undefined;
    }
    // Loaded only by a run that verifies (deno task fill --no-verify never loads lib/verify).
    const { verifyFill } = await import("../verify/verify.ts");
    const result = await verifyFill(ctx.get("connection"), ctx.get("fill"), {
      tolerance: options.tolerance,
      sample: options.sample,
      count: options.count,
      content: options.content,
      stableTimeoutMs: options["stable-timeout"],
      commandTimeoutMs: ctx.target.commandTimeoutMs,
      logger: ctx.logger,
      signal: ctx.signal,
    }).catch((error: unknown) => {
      // A command verify cannot do without: its check fails (exit 1), in one sentence that
      // names the user (the data sockets' replies do not know it).
      if (error instanceof PermissionError) {
        throw new CheckFailedError(
          permissionSentence({ ...error.init, user: aclUser(ctx.target) }),
          { cause: error },
        );
      }
      throw error;
    });
    ctx.provide("verify", result);
    ctx.metric("max-deviation", result.maxDeviation * 100);
    const counted = result.nodes.filter((node) => node.missing !== undefined);
    ctx.metric(
      "missing",
      counted.length > 0
        ? counted.reduce((sum, node) => sum + (node.missing ?? 0), 0)
        : Math.max(0, result.expectedKeys - result.totalKeys),
    );
    ctx.metric("mismatched", result.mismatched);
    ctx.metric("keys", result.totalKeys);
    if (result.ok) {
      ctx.logger.info(verifyVerdict(result));
      return result;
    }
    ctx.logger.warn(verifyVerdict(result));
    throw verifyFailure(result);
  },
});
