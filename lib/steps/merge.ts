/**
 * The `merge` step: the reports of the shards of one fill (`fill --shard k/n`, one per loader or
 * per pod of a Kubernetes Indexed Job) merged into one run report, rendered like the `report`
 * step's, and the whole keyspace handed to a later `verify` (the union of every shard):
 *
 * ```yaml
 * steps:
 *   - merge: { from: reports/, format: table, out: reports/merged.json }
 *   - connect
 *   - verify
 * ```
 *
 * It reads every `.json` and `.log` file in `from` (a log holds reports between marker lines).
 * A missing shard fails the step (exit 1) after the merged report is written; reports of
 * another keyspace or another n are refused (exit 2).
 *
 * @module
 */

import { join } from "node:path";
import { z } from "zod";
import { CheckFailedError, UsageError } from "../errors.ts";
import { defineStep } from "../pipeline/define.ts";
import { mergeReports, readShardReports, type ShardReport } from "../report/merge.ts";
import type { RunReport } from "../report/types.ts";
import type { KeyspaceParams } from "../types.ts";
import { declaredFill } from "../verify/declared.ts";
import { REPORT_FORMATS, writeReport } from "./report.ts";

const formatSchema = z.enum(REPORT_FORMATS);

/** The files of a folder that may hold shard reports, by name. */
async function reportFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isFile && /\.(json|log)$/.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    throw new UsageError(
      `Cannot read the shard reports in "${folder}": ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  return names.sort();
}

/** Merges shard reports into one run report, and declares their whole keyspace for verify. */
export const mergeStep = defineStep({
  name: "merge",
  description:
    "Merge the shard reports in a folder (every .json and .log) into one report, and hand verify the whole keyspace",
  options: z.strictObject({
    from: z.string().min(1).meta({ format: "path" }).describe(
      "Folder of shard reports: JSON (--report json --out) or pod logs with marked reports",
    ),
    format: z.union([formatSchema, z.array(formatSchema).min(1)]).default("table").describe(
      'Output format(s) of the merged report: "table", "json", "md", or a list of them',
    ),
    out: z.string().meta({ format: "path" }).optional().describe(
      'File for the first json or md format; absent or "-" prints everything to stdout',
    ),
  }),
  provides: ["fill"],
  async run(ctx, options): Promise<RunReport> {
    const names = await reportFiles(options.from);
    const inputs: ShardReport[] = [];
    for (const name of names) {
      inputs.push(...readShardReports(await Deno.readTextFile(join(options.from, name)), name));
    }
    if (inputs.length === 0) {
      throw new UsageError(
        `No shard report in "${options.from}": put each shard's .json report (or pod .log) there`,
      );
    }
    const merged = mergeReports(inputs);
    await writeReport(merged, {
      formats: typeof options.format === "string" ? [options.format] : options.format,
      out: options.out,
      summary: false,
      logger: ctx.logger,
    });
    const { keyspace } = merged.fill!;
    const params: KeyspaceParams = {
      count: keyspace.count,
      keySize: keyspace.keySize,
      valueSize: keyspace.valueSize,
      seed: keyspace.seed,
      prefix: keyspace.prefix,
      ...(keyspace.ttl === null ? {} : { ttl: keyspace.ttl }),
    };
    ctx.provide("fill", declaredFill(params, { flushed: false }));
    if (!merged.ok) {
      const problems = merged.steps.filter((step) => !step.ok).map((step) => step.error);
      throw new CheckFailedError(`The merged report did not pass: ${problems.join("; ")}`);
    }
    return merged;
  },
});
