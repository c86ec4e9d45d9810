/**
 * The script of the composite GitHub Action (`action.yml` at the repository root): runs a
 * pipeline file as `redfill run` does, with the action's inputs, and hands the job its results.
 *
 * Inputs (as GitHub passes them, in the environment):
 * - `INPUT_PIPELINE`: the pipeline file, relative to the workspace (where the step runs);
 * - `INPUT_SET`: overrides, one `step.option=value` per line (blank lines and `#` comments are
 *   skipped), as `--set` takes them.
 *
 * Results:
 * - the pipeline's `report` steps print and write as they always do; the last one appends its
 *   Markdown (with the thresholds, ✓/✗) to `$GITHUB_STEP_SUMMARY`;
 * - the JSON report of the last `report` step is written to `$RUNNER_TEMP/redfill-report.json`
 *   (or `$REDFILL_REPORT`, when set);
 * - `$GITHUB_OUTPUT` gets `ok` (`true` only when every step and threshold passed), `status`
 *   (`passed`, `failed`, `interrupted`), `exit-code` and `report` (the JSON's path; empty when
 *   the pipeline has no `report` step);
 * - the exit code is redfill's (1 when a threshold or verify failed), so the job fails with it.
 *
 * @module
 */

import { join } from "node:path";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError, reportRunFailure } from "../lib/cli/errors.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
import { UsageError } from "../lib/errors.ts";
import { defaultRegistry, loadPipeline } from "../lib/builtins.ts";
import { runPipeline } from "../lib/pipeline/executor.ts";
import { renderJson } from "../lib/report/json.ts";
import type { RunReport } from "../lib/report/model.ts";

/** The overrides of the `set` input: one per line. */
export function setLines(input: string | undefined): string[] {
  return (input ?? "").split(/\r?\n/).map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Appends `name=value` lines to the `$GITHUB_OUTPUT` file, when there is one. */
async function writeOutputs(values: Record<string, string>): Promise<void> {
  const file = Deno.env.get("GITHUB_OUTPUT");
  if (file === undefined || file === "") return;
  const text = Object.entries(values).map(([name, value]) => `${name}=${value}\n`).join("");
  await Deno.writeTextFile(file, text, { append: true });
}

/**
 * Runs the action.
 *
 * @returns The exit code.
 */
export async function main(): Promise<number> {
  const logger = terminalLogger({ debug: Deno.env.get("RUNNER_DEBUG") === "1" });
  let code: number;
  let report: RunReport | undefined;
  try {
    const file = Deno.env.get("INPUT_PIPELINE") ?? "";
    if (file.trim() === "") {
      throw new UsageError('The action needs its "pipeline" input: the pipeline file to run');
    }
    const pipeline = await loadPipeline(file.trim(), {
      set: setLines(Deno.env.get("INPUT_SET")),
      registry: defaultRegistry(),
      cwd: callerDirectory(),
    });
    const result = await runPipeline(pipeline, { logger, progress: terminalProgress() });
    const last = pipeline.steps.findLast((step) => step.name === "report");
    if (last !== undefined) report = result.outputs.get(last.id) as RunReport | undefined;
    code = result.ok ? 0 : reportRunFailure(result);
  } catch (error) {
    code = reportError(error);
  }
  let path = "";
  if (report !== undefined) {
    path = Deno.env.get("REDFILL_REPORT") ??
      join(Deno.env.get("RUNNER_TEMP") ?? await Deno.makeTempDir(), "redfill-report.json");
    await Deno.writeTextFile(path, renderJson(report));
  }
  await writeOutputs({
    ok: String(code === 0 && report?.ok !== false),
    status: report?.status ?? (code === 0 ? "passed" : "failed"),
    "exit-code": String(code),
    report: path,
  });
  return code;
}

if (import.meta.main) Deno.exit(await main());
