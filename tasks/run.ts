/**
 * `redfill run FILE [--set step.option=value]... [--dry-run] [--debug]` (and `deno task run`):
 * loads a pipeline file, checks it, and runs it (or prints the plan).
 *
 * @module
 */

import { type CommandContext, inProcessContext } from "../lib/cli/command.ts";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError, reportRunFailure } from "../lib/cli/errors.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
import { ALL_EXIT_CODES, createProgram, parseProgram } from "../lib/cli/usage.ts";
import { formatPlan, runPipeline } from "../lib/pipeline/executor.ts";
import { defaultRegistry, loadPipeline } from "../lib/builtins.ts";
import { type Registry } from "../lib/pipeline/registry.ts";

/** Options for {@linkcode main}. */
export interface RunMainOptions {
  /** The registry to use (default: the built-ins). */
  registry?: Registry;
}

/** Collects repeated `--set` values. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The program of `redfill run`, in the shared usage style.
 *
 * @param context The command's name and version.
 * @returns The program.
 */
export function runProgram(context: Pick<CommandContext, "name" | "version">) {
  return createProgram({
    name: context.name,
    usage: "FILE [options]",
    description: "Run a pipeline file: load it, check every option and the plan before anything\n" +
      "connects, then run its steps in order.",
    exitCodes: ALL_EXIT_CODES,
    examples: [
      ["pipelines/fill.yaml --set target.port=7000", "the built-in fill, against port 7000"],
      ["pipelines/cluster-fill.yaml --dry-run", "print the plan, connect nowhere"],
      ["my.yaml --set fill.size=2GiB --set report.out=r.json", "two options laid over a file"],
    ],
    version: context.version,
  })
    .argument("<file>", "pipeline file (.yaml, .yml or .json)")
    .option("--set <step.option=value>", "override an option (repeatable)", collect, [] as string[])
    .option("--dry-run", "print the plan without connecting")
    .option("--debug", "show debug messages and stack traces");
}

/**
 * Runs `redfill run`.
 *
 * @param args Command-line arguments after `run`.
 * @param context The command's name, version and signals.
 * @param options The registry (tests pass their own).
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  context: CommandContext = inProcessContext("run"),
  options: RunMainOptions = {},
): Promise<number> {
  const debug = args.includes("--debug");
  try {
    const program = runProgram(context);
    if (parseProgram(program, args) !== "run") return 0;
    const [file] = program.processedArgs;
    const flags = program.opts();
    const registry = options.registry ?? defaultRegistry();
    // The file and the paths in --set are relative to where the user typed the command.
    const pipeline = await loadPipeline(file, { set: flags.set, registry, cwd: callerDirectory() });
    if (flags.dryRun === true) {
      console.log(formatPlan(pipeline));
      return 0;
    }
    using period = context.signals.graceful();
    const result = await runPipeline(pipeline, {
      logger: terminalLogger({ debug }),
      progress: terminalProgress(),
      signal: period.signal,
    });
    return result.ok ? 0 : reportRunFailure(result, { debug });
  } catch (error) {
    return reportError(error, { debug });
  }
}
