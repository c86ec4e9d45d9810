/**
 * The one entry of the command line: `redfill fill|run|bench|redis|report …`. The deno tasks call it
 * too (`deno task fill` is `deno run --allow-all tasks/redfill.ts fill`), so both take the same
 * flags, print the same help and end with the same exit codes.
 *
 * This is the only module that exits the process, and the only one that installs signal
 * listeners (through `lib/cli/signals.ts`).
 *
 * Install it as a command:
 *
 * ```sh
 * deno install --global --name redfill --allow-all --config deno.json tasks/redfill.ts
 * ```
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { UsageError } from "../lib/errors.ts";
import { type CommandContext, type CommandEntry, commandName } from "../lib/cli/command.ts";
import { reportError } from "../lib/cli/errors.ts";
import { installSignals, noSignals, type SignalScope } from "../lib/cli/signals.ts";
import { ALL_EXIT_CODES, helpEpilogue } from "../lib/cli/usage.ts";
import { didYouMean } from "../lib/suggest.ts";

/** What `--version` prints: the name and the version in deno.json. */
export const VERSION = `redfill ${config.version}`;

/** The commands, in help order; each module is imported only when its command runs. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  fill: {
    summary: "Fill Redis with generated data, verify and report (a local demo server without -h)",
    load: () => import("./fill.ts"),
  },
  run: {
    summary: "Run a pipeline file (connect, fill, verify, report, your own steps)",
    load: () => import("./run.ts"),
  },
  bench: {
    summary: "Benchmarks: the fill beside the raw ceiling, as ratios; --check gates CI",
    load: () => import("./bench.ts"),
  },
  redis: {
    summary: "Local redis-server processes for trying redfill: redis up|down|status",
    load: () => import("./redis.ts"),
  },
  report: {
    summary: "Run reports: report merge FILE… makes one report of the shards of a fill",
    load: () => import("./report.ts"),
  },
};

/** Options for {@linkcode redfill}. */
export interface RedfillOptions {
  /** The process's signal listeners (default: none, for in-process runs). */
  signals?: SignalScope;
  /** Where `INIT_CWD` is read, which says whether `deno task` ran it (default: the environment). */
  env?: (name: string) => string | undefined;
}

/** The help of `redfill` itself. */
function topHelp(name: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((command) => command.length));
  const commands = Object.entries(COMMANDS).map(([command, module]) =>
    `  ${command.padEnd(width)}  ${module.summary}`
  );
  const lines = [
    `Usage: ${name} ${Object.keys(COMMANDS).join("|")} [options]`,
    "",
    "Fill Redis (standalone or cluster, plaintext or TLS) with generated data at the server's",
    "ceiling, prove what landed and report it. Each command has its own --help.",
    "",
    "Commands:",
    ...commands,
    "",
    "Options:",
    "  --version  print the version and exit",
    "  --help     show this help and exit",
  ];
  const epilogue = helpEpilogue({
    name,
    exitCodes: ALL_EXIT_CODES,
    examples: [
      ["fill", "the demo: a local server, filled, verified, reported"],
      ["fill -p 7000 -d 1GiB", "1 GiB into 127.0.0.1:7000"],
      ["run pipelines/cluster-fill.yaml --dry-run", "the plan of a pipeline file"],
    ],
  });
  return `${lines.join("\n")}\n${epilogue}`;
}

/**
 * Runs `redfill ARGS`: the command named first, with the rest of the arguments.
 *
 * @example
 * ```ts ignore
 * Deno.exit(await redfill(["fill", "-p", "7000"], { signals: installSignals() }));
 * ```
 *
 * @param args The arguments, the command first.
 * @param options The signal listeners and the environment.
 * @returns The exit code.
 */
export async function redfill(
  args: readonly string[],
  options: RedfillOptions = {},
): Promise<number> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const signals = options.signals ?? noSignals();
  const [first, ...rest] = args;
  const name = commandName("", env);
  try {
    if (first === "--version") {
      console.log(VERSION);
      return 0;
    }
    if (first === "--help" || first === "help") {
      console.log(topHelp(name));
      return 0;
    }
    if (first === undefined) {
      throw new UsageError(
        `Missing command: use ${Object.keys(COMMANDS).join(", ")} (see "${name} --help")`,
      );
    }
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (command === undefined) {
      const what = first.startsWith("-") ? "option" : "command";
      const candidates = first.startsWith("-") ? ["--help", "--version"] : Object.keys(COMMANDS);
      throw new UsageError(
        `Unknown ${what} "${first}"${
          didYouMean(first, candidates) || `: use ${Object.keys(COMMANDS).join(", ")}`
        }`,
      );
    }
    const context: CommandContext = { name: commandName(first, env), version: VERSION, signals };
    return await (await command.load()).main(rest, context);
  } catch (error) {
    return reportError(error);
  }
}

if (import.meta.main) {
  const signals = installSignals();
  Deno.exit(await redfill(Deno.args, { signals }));
}
