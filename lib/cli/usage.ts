/**
 * One usage style for every command (`fill`, `run`, `bench`, `redis`): the same help layout —
 * the usage line with the command as it was typed (`redfill fill` or `deno task fill`), the
 * description, the options with their defaults, then the exit codes and three examples — the
 * same `--help` (never `-h`, which `fill` keeps for the host, as redis-cli does) and
 * `--version`, and the same sentences for a mistake (`Unknown option "--x". Did you mean
 * "--y"?`), built by {@linkcode createProgram} and read by {@linkcode parseProgram}.
 *
 * @module
 */

import {
  Command,
  CommanderError,
  type CommandUnknownOpts,
  type Help,
  Help as BaseHelp,
  type Option,
} from "@commander-js/extra-typings";
import { ExitCode, type ExitCodeValue } from "../errors.ts";
import { usageErrorFromCommander } from "./errors.ts";

/** What each exit code means, in the help's `Exit codes:` section. */
export const EXIT_CODE_HELP: Readonly<Record<ExitCodeValue, string>> = {
  [ExitCode.Ok]: "done",
  [ExitCode.CheckFailed]: "a check failed (verify, a threshold, the benchmark gate)",
  [ExitCode.Usage]: "usage: a bad flag, argument or pipeline file",
  [ExitCode.Connection]: "connection, authentication or TLS error",
  [ExitCode.Fill]: "fill error: a node was lost, or writes were rejected",
  [ExitCode.PluginFailed]: "a plugin step (uses:) failed",
  [ExitCode.Internal]: "a bug in redfill (printed with its stack; please report it)",
  [ExitCode.Interrupted]: "interrupted by Ctrl-C (SIGINT); what was written is reported",
  [ExitCode.Terminated]: "stopped by SIGTERM; what was written is reported",
};

/** Every exit code, in order: what `run` (and `redfill` itself) can end with. */
export const ALL_EXIT_CODES: readonly ExitCodeValue[] = Object.values(ExitCode);

/** Width of help text, fixed so that it reads (and snapshots) the same on every terminal. */
export const HELP_WIDTH = 100;

/** What a command's help says beyond its options. */
export interface UsageSpec {
  /** The command as typed: `redfill fill`, `deno task fill`. */
  name: string;
  /** What follows the name in the usage line (default `[options]`). */
  usage?: string;
  /** What the command does: a sentence or a few lines. */
  description: string;
  /** The exit codes it can end with, in order. */
  exitCodes: readonly ExitCodeValue[];
  /** Three examples: the arguments after the name, and what they do. */
  examples: readonly (readonly [args: string, what: string])[];
  /** The version `--version` prints (`redfill 0.1.0`); none for a subcommand. */
  version?: string;
}

/** The `Exit codes:` and `Examples:` sections that end every help. */
export function helpEpilogue(spec: Pick<UsageSpec, "name" | "exitCodes" | "examples">): string {
  const codes = spec.exitCodes.map((code) => `  ${String(code).padEnd(5)}${EXIT_CODE_HELP[code]}`);
  const examples = spec.examples.map(([args, what]) =>
    `  # ${what}\n  ${`${spec.name} ${args}`.trimEnd()}`
  );
  return `\nExit codes:\n${codes.join("\n")}\n\nExamples:\n${examples.join("\n")}\n`;
}

/** Option help: its description, then its choices and default, the same way everywhere. */
function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices !== undefined) extra.push(`one of ${option.argChoices.join(", ")}`);
  const value: unknown = option.defaultValue;
  const shown = option.defaultValueDescription ??
    (typeof value === "number" || (typeof value === "string" && value !== "")
      ? String(value)
      : undefined);
  if (shown !== undefined) extra.push(`default ${shown}`);
  return extra.length === 0 ? option.description : `${option.description} (${extra.join("; ")})`;
}

/** The options in help order: as added, then `--version` and `--help`. */
function visibleOptions(this: Help, command: CommandUnknownOpts): Option[] {
  const options = BaseHelp.prototype.visibleOptions.call(this, command);
  const last = (option: Option) => option.long === "--version" || option.long === "--help";
  return [...options.filter((option) => !last(option)), ...options.filter(last)];
}

/** The help settings every command shares. */
const HELP_CONFIG: Partial<Help> = {
  helpWidth: HELP_WIDTH,
  sortOptions: false,
  optionDescription,
  visibleOptions,
  showGlobalOptions: false,
};

/**
 * A commander program in the shared style: `--help` and `--version` (never `-h`/`-V`), the
 * shared help layout, errors thrown (never printed, never exiting) for
 * {@linkcode parseProgram} to turn into sentences.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createProgram } from "./usage.ts";
 * const program = createProgram({
 *   name: "redfill demo",
 *   description: "Demonstrates the help layout",
 *   exitCodes: [0, 2],
 *   examples: [["", "run it"], ["--help", "this help"], ["--version", "the version"]],
 *   version: "redfill 0.1.0",
 * });
 * let help = "";
 * program.configureOutput({ writeOut: (text) => help += text });
 * program.outputHelp();
 * ok(help.startsWith("Usage: redfill demo [options]\n"));
 * ok(help.includes("Exit codes:\n  0    done\n"));
 * ```
 *
 * @param spec The name, description, exit codes, examples and version.
 * @returns The program; add options and (for `redis`) subcommands with {@linkcode addSubcommand}.
 */
export function createProgram(spec: UsageSpec): Command {
  const program = new Command().name(spec.name);
  styleCommand(program, spec);
  if (spec.version !== undefined) {
    program.version(spec.version, "--version", "print the version and exit");
  }
  return program;
}

/**
 * Adds a subcommand in the shared style (its own help, with exit codes and examples).
 *
 * @param parent The program.
 * @param name The subcommand's name (`up`).
 * @param spec Its help; `name` is the full command (`redfill redis up`).
 * @returns The subcommand.
 */
export function addSubcommand(
  parent: CommandUnknownOpts,
  name: string,
  spec: UsageSpec,
): Command {
  const command = new Command().name(name);
  styleCommand(command, spec);
  command.usage(spec.usage ?? "[options]");
  // The usage line names the whole command, as typed.
  command.configureHelp({
    ...HELP_CONFIG,
    commandUsage: () => `${spec.name} ${spec.usage ?? "[options]"}`,
  });
  parent.addCommand(command);
  return command;
}

function styleCommand(command: CommandUnknownOpts, spec: UsageSpec): void {
  command
    .description(spec.description)
    .usage(spec.usage ?? "[options]")
    .helpOption("--help", "show this help and exit")
    .helpCommand(false)
    .exitOverride()
    .showSuggestionAfterError(false)
    .allowExcessArguments(false)
    .configureHelp(HELP_CONFIG)
    .configureOutput({ writeErr: () => {}, outputError: () => {} })
    .addHelpText("after", helpEpilogue(spec));
}

/** What {@linkcode parseProgram} found. */
export type ParseOutcome = "run" | "help" | "version";

/**
 * Parses arguments with a program from {@linkcode createProgram}. Help and the version are
 * printed by commander (to stdout); every mistake becomes one {@linkcode UsageError}
 * sentence, the same for every command.
 *
 * @param program The program.
 * @param args The arguments after the command's name.
 * @returns `help` or `version` when that was printed, `run` otherwise.
 * @throws {UsageError} for an unknown flag or command (with a did-you-mean), a missing or
 *   extra argument, a bad choice.
 */
export function parseProgram(program: CommandUnknownOpts, args: readonly string[]): ParseOutcome {
  try {
    program.parse([...args], { from: "user" });
    return "run";
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === "commander.helpDisplayed") return "help";
    if (error.code === "commander.version") return "version";
    throw usageErrorFromCommander(error, activeCommand(program, args));
  }
}

/** The (sub)command the arguments reached, for the flags a did-you-mean picks from. */
function activeCommand(program: CommandUnknownOpts, args: readonly string[]): CommandUnknownOpts {
  let command = program;
  for (const arg of args) {
    const sub = command.commands.find((candidate) => candidate.name() === arg);
    if (sub !== undefined) command = sub;
  }
  return command;
}
