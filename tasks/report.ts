/**
 * `redfill report merge FILE… [--report table|json|md] [--out FILE]` (and `deno task report
 * merge …`): merges the JSON reports of the shards of one fill (`fill --shard k/n`, one per
 * loader or per pod of a Kubernetes Indexed Job) into one run report. A FILE is a report as
 * `--report json --out` wrote it, or a log holding reports between marker lines (what the
 * container of `deploy/kubernetes/fill-job.yaml` prints, collected with `kubectl logs`).
 *
 * Exit 0 when every shard 0 … n-1 has a passed report; 1 when a shard is missing or did not
 * pass (the merged report still printed, naming it); 2 for a file that cannot be read or
 * reports that disagree on the keyspace.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { Option } from "@commander-js/extra-typings";
import { ExitCode, UsageError } from "../lib/errors.ts";
import { type CommandContext, inProcessContext } from "../lib/cli/command.ts";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError } from "../lib/cli/errors.ts";
import { terminalLogger } from "../lib/cli/terminal.ts";
import { addSubcommand, createProgram, parseProgram } from "../lib/cli/usage.ts";
import { mergeReports, readShardReports, type ShardReport } from "../lib/report/merge.ts";
import { REPORT_FORMATS, type ReportFormat, writeReport } from "../lib/steps/report.ts";

/** The codes `report` can end with. */
const REPORT_EXIT_CODES = [
  ExitCode.Ok,
  ExitCode.CheckFailed,
  ExitCode.Usage,
  ExitCode.Internal,
] as const;

/** What `report merge` was asked. */
interface MergeFlags {
  report?: string;
  out?: string;
}

/**
 * The program of `redfill report`, with its `merge` subcommand.
 *
 * @param context The command's name and version.
 * @param chosen Receives what to run, once parsed.
 * @returns The program.
 */
export function reportProgram(
  context: Pick<CommandContext, "name" | "version">,
  chosen: (run: () => Promise<number>) => void = () => {},
) {
  const name = context.name;
  const root = createProgram({
    name,
    usage: "merge FILE... [options]",
    description: "Work with run reports: merge the reports of the shards of one fill",
    exitCodes: REPORT_EXIT_CODES,
    examples: [
      ["merge r0.json r1.json r2.json", "one report of three shards"],
      ["merge reports/*.log --report json --out merged.json", "from pod logs, as JSON"],
      ["merge --help", "the options of merge"],
    ],
    version: context.version,
  });
  addSubcommand(root, "merge", {
    name: `${name} merge`,
    usage: "FILE... [options]",
    description:
      "Merge shard reports (fill --shard k/n, one per loader) into one run report: keys and bytes\n" +
      "summed per node, the wall window from the first start to the last end and the throughput\n" +
      "over it, each shard's client CPU and peak RSS. A missing shard is named and the merge is\n" +
      "not ok (exit 1); of two reports for one index (a retry) the later counts. A FILE is a JSON\n" +
      "report or a log with reports between marker lines (kubectl logs of the fill Job's pods).",
    exitCodes: REPORT_EXIT_CODES,
    examples: [
      ["r0.json r1.json r2.json", "the three shards' reports, as a table"],
      ["logs/*.log --report md", "from the pods' logs, as Markdown"],
      ["r*.json --report json --out merged.json", "as JSON, into a file"],
    ],
  })
    .summary("merge shard reports (JSON files or pod logs) into one run report")
    .argument("<files...>", "shard reports (JSON) or logs holding them")
    .addOption(
      new Option("--report <format>", "report format").choices(REPORT_FORMATS).default(
        undefined,
        "table",
      ),
    )
    .option("--out <file>", "write the report to a file")
    .action((files, options) => chosen(() => merge(files, options as MergeFlags)));
  return root;
}

/** Reads every file, merges, writes the report; exit 1 when the merge is not ok. */
async function merge(files: readonly string[], flags: MergeFlags): Promise<number> {
  const cwd = callerDirectory();
  const at = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  const inputs: ShardReport[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(at(file));
    } catch (error) {
      throw new UsageError(
        `Cannot read the shard report "${file}": ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    inputs.push(...readShardReports(text, file));
  }
  const merged = mergeReports(inputs);
  const format = (flags.report ?? "table") as ReportFormat;
  await writeReport(merged, {
    formats: [format],
    out: flags.out === undefined ? undefined : at(flags.out),
    summary: true,
    logger: terminalLogger(),
  });
  if (merged.ok) return ExitCode.Ok;
  const problems = merged.steps.filter((step) => !step.ok).map((step) => step.error);
  console.error(
    `The merged report did not pass (${merged.status}): ${
      problems.filter((problem) => problem !== null).join("; ")
    }`,
  );
  return ExitCode.CheckFailed;
}

/**
 * Runs `redfill report`.
 *
 * @param args Command-line arguments after `report`.
 * @param context The command's name and version.
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  context: CommandContext = inProcessContext("report"),
): Promise<number> {
  let run: (() => Promise<number>) | undefined;
  try {
    const program = reportProgram(context, (chosen) => run = chosen);
    if (parseProgram(program, args) !== "run") return 0;
    if (run === undefined) {
      throw new UsageError(`Missing subcommand: use merge (see "${context.name} --help")`);
    }
    return await run();
  } catch (error) {
    return reportError(error);
  }
}
