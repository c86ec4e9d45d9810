/**
 * `deno task run FILE [--set step.option=value]... [--dry-run] [--debug]`: loads a pipeline
 * file, checks it, and runs it (or prints the plan).
 *
 * @module
 */

import { Command, CommanderError } from "@commander-js/extra-typings";
import { UsageError } from "../lib/errors.ts";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError, reportRunFailure, usageErrorFromCommander } from "../lib/cli/errors.ts";
import { interruptOnSignals } from "../lib/cli/signals.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
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
 * Runs the `run` command.
 *
 * @param args Command-line arguments.
 * @param options The registry (tests pass their own).
 * @returns The exit code.
 */
export async function main(args: readonly string[], options: RunMainOptions = {}): Promise<number> {
  const debug = args.includes("--debug");
  const program = new Command()
    .name("deno task run")
    .description("Run a pipeline file")
    .argument("<file>", "pipeline file (.yaml, .yml or .json)")
    .option("--set <step.option=value>", "override an option (repeatable)", collect, [] as string[])
    .option("--dry-run", "print the plan without connecting")
    .option("--debug", "show debug messages and stack traces")
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeErr: () => {} });
  try {
    try {
      program.parse([...args], { from: "user" });
    } catch (error) {
      if (error instanceof CommanderError) {
        if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
          return 0;
        }
        throw usageErrorFromCommander(error, program);
      }
      throw error;
    }
    const [file] = program.processedArgs;
    if (file === undefined) throw new UsageError('Missing pipeline file: "deno task run FILE"');
    const flags = program.opts();
    const registry = options.registry ?? defaultRegistry();
    // The file and the paths in --set are relative to where the user typed the command.
    const pipeline = await loadPipeline(file, { set: flags.set, registry, cwd: callerDirectory() });
    if (flags.dryRun === true) {
      console.log(formatPlan(pipeline));
      return 0;
    }
    const interrupt = interruptOnSignals();
    try {
      const result = await runPipeline(pipeline, {
        logger: terminalLogger({ debug }),
        progress: terminalProgress(),
        signal: interrupt.signal,
      });
      return result.ok ? 0 : reportRunFailure(result, { debug });
    } finally {
      interrupt.dispose();
    }
  } catch (error) {
    return reportError(error, { debug });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
