/**
 * What every command of `redfill` (and every `deno task`) gets from the one entry,
 * `tasks/redfill.ts`: its name as typed, the version, and the process's signal listeners.
 *
 * @module
 */

import { noSignals, type SignalScope } from "./signals.ts";

/** What the entry hands a command. */
export interface CommandContext {
  /** The command as the user typed it, for usage lines and hints: `redfill fill`. */
  readonly name: string;
  /** What `--version` prints: `redfill 0.1.0`. */
  readonly version: string;
  /** The signal listeners; a command that stops gracefully opens a period in them. */
  readonly signals: SignalScope;
}

/** What a command's module exports: its `main`. */
export interface CommandModule {
  /**
   * Runs the command.
   *
   * @param args The arguments after the command's name.
   * @param context Name, version and signals.
   * @returns The exit code.
   */
  main(args: readonly string[], context: CommandContext): Promise<number>;
}

/** A command of `redfill`: `fill`, `run`, `bench`, `redis`. */
export interface CommandEntry {
  /** One line for `redfill --help`. */
  readonly summary: string;
  /** Imports the command's module, only when it runs (`fill --help` loads no benchmark). */
  load(): Promise<CommandModule>;
}

/**
 * The command as the user typed it: `deno task fill` when `deno task` ran it (it sets
 * `INIT_CWD`), `redfill fill` otherwise (the installed command, or `deno run … tasks/redfill.ts
 * fill`).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { commandName } from "./command.ts";
 * equal(commandName("fill", () => "/home/me"), "deno task fill");
 * equal(commandName("fill", () => undefined), "redfill fill");
 * ```
 *
 * @param command The command (`fill`), or "" for `redfill` itself.
 * @param env Where `INIT_CWD` is read (default: the process environment).
 * @returns The name for usage lines.
 */
export function commandName(
  command: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const task = env("INIT_CWD") !== undefined;
  if (command === "") return task ? "deno task" : "redfill";
  return task ? `deno task ${command}` : `redfill ${command}`;
}

/**
 * A context for running a command in-process (a test, a library caller): no signal listeners.
 *
 * @param command The command (`fill`).
 * @param version What `--version` prints.
 * @returns The context.
 */
export function inProcessContext(command: string, version = "redfill"): CommandContext {
  return { name: `redfill ${command}`, version, signals: noSignals() };
}
