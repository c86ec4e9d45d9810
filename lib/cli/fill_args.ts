/**
 * Reading the arguments of `deno task fill`: the commander program built from the flag table
 * (`fill_flags.ts`), and the request it makes — overrides of `pipelines/fill.yaml`, the demo's
 * local target, and the few rules that are the command line's own grammar.
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import { ExitCode, UsageError } from "../errors.ts";
import { localTarget } from "../local/mod.ts";
import type { LocalRedis } from "../local/mod.ts";
import { parseRedisUrl } from "../pipeline/loader.ts";
import type { Override } from "../pipeline/types.ts";
import { ALL_EXIT_CODES, createProgram, parseProgram } from "./usage.ts";
import { FILL_FLAGS, longFlag } from "./fill_flags.ts";

/** What `deno task fill ARGS` asks for. */
export interface FillRequest {
  /** The flags' overrides of `pipelines/fill.yaml` (and `REDISCLI_AUTH`'s), in table order. */
  overrides: Override[];
  /** No flag names a server: start a local one (the demo). */
  local: boolean;
  /** `-c`: a cluster (the demo starts 3 masters + 3 replicas). */
  cluster: boolean;
  /** `-t`: TLS (the demo starts a TLS server). */
  tls: boolean;
  /** `--dry-run`. */
  dryRun: boolean;
  /** `--askpass`: the password is to be read from the terminal (or stdin). */
  askpass: boolean;
  /** `-a` was given: the password is on the command line, which `deno task` prints. */
  passwordOnCommandLine: boolean;
}

/** The warning for a password given with `-a` (redis-cli's, adapted to `deno task`). */
export const PASSWORD_WARNING =
  "Using a password with -a or --password on the command line is not safe: deno task prints " +
  "its command line, so the password is shown; set REDISCLI_AUTH or use --askpass instead";

/** How `deno task fill` is named in its help and messages. */
export interface FillProgramOptions {
  /** The command as typed (default `redfill fill`). */
  name?: string;
  /** What `--version` prints (default: no `--version`). */
  version?: string;
}

/**
 * The commander program of `deno task fill`, built from {@linkcode FILL_FLAGS}, in the shared
 * usage style (`lib/cli/usage.ts`).
 *
 * @param options The command's name and version.
 * @returns The program (it throws instead of exiting, and prints no errors itself).
 */
export function fillProgram(options: FillProgramOptions = {}): Command {
  const name = options.name ?? "redfill fill";
  const program = createProgram({
    name,
    description:
      "Fill Redis (standalone or cluster, plaintext or TLS) with generated keys, verify and report.\n" +
      "Without a flag that names a server (-h, -p, --socket, --url, -u, -a, --askpass, --cacert, …),\n" +
      "a local redis-server is started for the run and stopped after.",
    // No uses: modules in pipelines/fill.yaml: every code but a plugin's failure.
    exitCodes: ALL_EXIT_CODES.filter((code) => code !== ExitCode.PluginFailed),
    examples: [
      ["--cluster", "the demo: a local 3+3 cluster, filled, verified, reported"],
      ["-p 7000 -d 1GiB --flush", "1 GiB into 127.0.0.1:7000, after FLUSHALL"],
      [
        "-c -h 10.0.0.5 -p 7000 --askpass --report json --out r.json",
        "a cluster with a password, JSON report",
      ],
    ],
    ...(options.version === undefined ? {} : { version: options.version }),
  });
  for (const flag of FILL_FLAGS) {
    const option = new Option(flag.flags, flag.description);
    if (flag.choices !== undefined) option.choices(flag.choices);
    if (flag.default !== undefined) option.default(undefined, flag.default);
    if (flag.repeatable === true) {
      option.argParser((typed: string, previous: unknown) => [
        ...(Array.isArray(previous) ? previous : []),
        typed,
      ]);
    }
    program.addOption(option);
  }
  return program;
}

/** Options for {@linkcode readFillArgs}. */
export interface ReadFillArgsOptions extends FillProgramOptions {}

/**
 * Reads the arguments of `deno task fill` into overrides.
 *
 * @param args The arguments.
 * @param env Where `REDISCLI_AUTH` is read (default: the process environment).
 * @param options The command's name and version, for the help.
 * @returns The request, or undefined when `--help` or `--version` was printed.
 * @throws {UsageError} for an unknown flag, a missing or bad choice, an extra argument, a TLS
 *   option without TLS, or `--askpass` beside a password given otherwise.
 */
export function readFillArgs(
  args: readonly string[],
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
  options: ReadFillArgsOptions = {},
): FillRequest | undefined {
  const program = fillProgram(options);
  if (parseProgram(program, args) !== "run") return undefined;
  const typed = new Map<string, string | true | string[]>();
  for (const option of program.options) {
    const name = option.attributeName();
    if (program.getOptionValueSource(name) !== "cli") continue;
    const value = program.getOptionValue(name) as string | boolean | string[];
    // --verify full and --no-verify share one value: each keeps only its own kind of it.
    if (option.negate !== (value === false)) continue;
    typed.set(option.long ?? name, value === false || value === true ? true : value);
  }
  const given = (flag: string) => typed.has(flag);
  const url = typed.get("--url");
  const tls = given("--tls") || (typeof url === "string" && /^rediss:\/\//i.test(url));
  const withoutTls = FILL_FLAGS.filter((flag) => flag.needsTls);
  if (!tls && withoutTls.some((flag) => given(longFlag(flag)))) {
    throw new UsageError(`TLS options (${withoutTls.map(longFlag).join(", ")}) need --tls`);
  }
  for (const other of ["--no-verify", "--flush"]) {
    if (given("--verify-only") && given(other)) {
      throw new UsageError(
        `--verify-only checks keys written earlier, so it cannot be given with ${other}: keep one`,
      );
    }
  }
  const parsedUrl = typeof url === "string" ? parseRedisUrl(url) : undefined;
  const urlPassword = typeof parsedUrl === "object" && parsedUrl.password !== undefined;
  if (given("--askpass") && (given("--password") || urlPassword)) {
    throw new UsageError(
      `--askpass reads the password, so it cannot be given ${
        given("--password") ? "with --password" : "in --url"
      } too: keep one`,
    );
  }
  const overrides: Override[] = [];
  for (const flag of FILL_FLAGS) {
    const typedValue = typed.get(longFlag(flag));
    if (typedValue === undefined) continue;
    // A repeatable flag (--threshold) gives one override per time it was typed.
    for (const value of Array.isArray(typedValue) ? typedValue : [typedValue]) {
      for (const [path, read] of Object.entries(flag.sets ?? {})) {
        const option = read(value);
        if (option === undefined) continue;
        const shown = flag.secret || value === true ? undefined : value;
        overrides.push({
          path,
          value: option,
          origin: { flag: longFlag(flag), text: shown, expected: flag.expected },
        });
      }
    }
  }
  const local = !FILL_FLAGS.some((flag) => flag.connection && given(longFlag(flag)));
  // As in redis-cli, REDISCLI_AUTH is used only when no password was given (flag or URL).
  const auth = env("REDISCLI_AUTH");
  if (
    !local && !given("--password") && !given("--askpass") && !urlPassword && auth !== undefined &&
    auth !== ""
  ) {
    overrides.push({ path: "target.password", value: auth, origin: { flag: "REDISCLI_AUTH" } });
  }
  return {
    overrides,
    local,
    cluster: given("--cluster"),
    tls: given("--tls"),
    dryRun: given("--dry-run"),
    askpass: given("--askpass"),
    passwordOnCommandLine: given("--password"),
  };
}

/** Where the local server's overrides come from, should one ever be named in a message. */
const LOCAL_ORIGIN = { flag: "the local server" } as const;

/**
 * The override a demo run is checked (and dry-run) with, before its local server starts: the
 * kind of server it will be.
 *
 * @param request What was asked.
 * @returns The override of `target.mode`.
 */
export function demoOverrides(request: Pick<FillRequest, "cluster">): Override[] {
  const mode = request.cluster ? "cluster" : "standalone";
  return [{ path: "target.mode", value: mode, origin: LOCAL_ORIGIN }];
}

/**
 * The overrides that point `pipelines/fill.yaml` at a local server that was started.
 *
 * @param local The running servers.
 * @returns Overrides of `target.*`.
 */
export function localOverrides(local: LocalRedis): Override[] {
  const target = localTarget(local);
  const origin = LOCAL_ORIGIN;
  const overrides: Override[] = [
    { path: "target.host", value: target.host, origin },
    { path: "target.port", value: target.port, origin },
    { path: "target.mode", value: target.mode, origin },
  ];
  if (target.tls !== undefined) overrides.push({ path: "target.tls", value: target.tls, origin });
  if (target.password !== undefined) {
    overrides.push({ path: "target.password", value: target.password, origin });
  }
  return overrides;
}
