/**
 * `redfill redis up|down|status` (and `deno task redis`): local redis-server processes for
 * trying redfill by hand.
 *
 * - `up [--cluster] [--masters N] [--replicas R] [--tls] [--mtls] [--password P]
 *   [--proxy [--servers N]]` starts servers (with `--proxy`, N standalone servers behind a
 *   twemproxy, 2 by default), prints a URL per node, the certificate paths and a
 *   ready-to-paste `redis-cli` line, writes `.redfill/local.json` (never the password) and
 *   runs until Ctrl-C (or SIGTERM), then stops everything it started and exits 130 (143).
 * - `down` (from another shell) stops the pids the state file lists — only while they are
 *   still redis-server (or nutcracker) processes — and removes the state file.
 * - `status` shows which of them are alive.
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import { fileURLToPath } from "node:url";
import { ExitCode, InterruptedError, UsageError } from "../lib/errors.ts";
import { type CommandContext, inProcessContext } from "../lib/cli/command.ts";
import { reportError } from "../lib/cli/errors.ts";
import type { GracefulPeriod } from "../lib/cli/signals.ts";
import { addSubcommand, createProgram, parseProgram } from "../lib/cli/usage.ts";
import {
  type LocalRedis,
  type LocalRedisOptions,
  proxyDefaults,
  startLocalRedis,
} from "../lib/local/mod.ts";
import {
  isProcess,
  type LocalState,
  readState,
  stateOf,
  stopFromState,
  writeState,
} from "../lib/local/state.ts";

/** The state file: `.redfill/local.json` in the project (in the working directory when run from a URL). */
const DEFAULT_STATE = new URL(import.meta.url).protocol === "file:"
  ? fileURLToPath(new URL("../.redfill/local.json", import.meta.url))
  : `${Deno.cwd()}/.redfill/local.json`;

/** What the `up` process's command line holds, so `down` waits for exactly that process. */
const OWNER_NEEDLE = "redfill.ts";

function positiveInteger(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min) {
    throw new UsageError(`Option "${flag}" must be an integer of at least ${min}, got "${value}"`);
  }
  return number;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `redis-cli` command line for a node (without a password: redis-cli reads
 * `$REDISCLI_AUTH`).
 *
 * @param redis The running servers.
 * @param port The node's port.
 * @returns The command line.
 */
function redisCliLine(redis: LocalRedis, port: number): string {
  const args = ["redis-cli"];
  if (redis.kind === "cluster") args.push("-c");
  args.push("-h", "127.0.0.1", "-p", String(port));
  if (redis.user && redis.password === undefined) args.push("--user", redis.user.name);
  if (redis.tls) {
    args.push("--tls", "--cacert", redis.tls.ca, "--cert", redis.tls.cert, "--key", redis.tls.key);
  }
  return args.map(shellQuote).join(" ");
}

function describe(redis: LocalRedis, options: LocalRedisOptions, seconds: number): string {
  const traits = [];
  if (redis.kind === "cluster") {
    traits.push(`${redis.masters().length} masters`, `${redis.replicas().length} replicas`);
  }
  if (redis.proxy) traits.push(`twemproxy in front of ${redis.nodes.length} servers`);
  if (redis.tls) traits.push(options.mtls ? "mTLS" : "TLS");
  if (redis.password !== undefined) traits.push("password");
  const lines = [
    `Local redis ${redis.kind} is up${traits.length ? ` (${traits.join(", ")})` : ""} in ${
      seconds.toFixed(1)
    } s`,
  ];
  if (redis.proxy) {
    const proxy = redis.proxy;
    const where = `pool ${proxy.pool}, stats on port ${proxy.statsPort}`;
    lines.push(
      `  ${"proxy".padEnd(8)} ${redis.url(proxy).padEnd(26)} ${where.padEnd(38)} pid ${proxy.pid}`,
    );
  }
  for (const node of redis.nodes) {
    const where = redis.proxy
      ? "behind the proxy (keys hashed over the pool)"
      : node.role === "master"
      ? `slots ${node.slots.map(([a, b]) => `${a}-${b}`).join(",")}`
      : `of ${redis.url(redis.nodes.find((n) => n.id === node.masterId))}`;
    const role = redis.proxy ? "server" : node.role;
    lines.push(
      `  ${role.padEnd(8)} ${redis.url(node).padEnd(26)} ${where.padEnd(38)} pid ${node.pid}`,
    );
  }
  if (redis.tls) {
    lines.push(`CA certificate:     ${redis.tls.ca}`);
    lines.push(`Client certificate: ${redis.tls.cert}`);
    lines.push(`Client key:         ${redis.tls.key}`);
  }
  if (redis.password !== undefined) {
    lines.push(`Password:           (as given; redis-cli reads it from $REDISCLI_AUTH)`);
  } else if (redis.user) {
    lines.push(`User:               ${redis.user.name} (password as given, in $REDISCLI_AUTH)`);
  }
  lines.push(
    `redis-cli:          ${redisCliLine(redis, redis.proxy?.port ?? redis.nodes[0]!.port)}`,
  );
  return lines.join("\n");
}

/** The flags of `up`. */
interface UpFlags {
  cluster?: true;
  masters?: string;
  replicas?: string;
  tls?: true;
  mtls?: true;
  password?: string;
  user?: string;
  userPassword?: string;
  proxy?: true;
  servers?: string;
  state: string;
}

async function up(options: UpFlags, period: GracefulPeriod): Promise<number> {
  const previous = await readState(options.state);
  if (previous && previous.nodes.some((n) => isProcess(n.pid))) {
    throw new UsageError(
      `Local servers from an earlier "redis up" are still running (see ${options.state}): stop them with "deno task redis down"`,
    );
  }
  for (const [flag, value] of [["--masters", options.masters], ["--replicas", options.replicas]]) {
    if (value !== undefined && !options.cluster) {
      throw new UsageError(`Option "${flag}" needs "--cluster"`);
    }
  }
  if (options.servers !== undefined && !options.proxy) {
    throw new UsageError(`Option "--servers" needs "--proxy"`);
  }
  if (options.proxy) {
    const clash = [
      ["--cluster", options.cluster, "twemproxy fronts standalone servers"],
      ["--tls", options.tls, "twemproxy 0.5 has no TLS"],
      ["--mtls", options.mtls, "twemproxy 0.5 has no TLS"],
      ["--user", options.user, "twemproxy authenticates with one password: use --password"],
    ].find(([, given]) => given !== undefined);
    if (clash !== undefined) {
      throw new UsageError(`Option "${clash[0]}" does not go with "--proxy": ${clash[2]}`);
    }
  }
  const localOptions: LocalRedisOptions = {};
  if (options.cluster) localOptions.cluster = true;
  const masters = positiveInteger("--masters", options.masters, 1);
  const replicas = positiveInteger("--replicas", options.replicas, 0);
  if (masters !== undefined) localOptions.masters = masters;
  if (replicas !== undefined) localOptions.replicas = replicas;
  if (options.tls) localOptions.tls = true;
  if (options.mtls) localOptions.mtls = true;
  if (options.password !== undefined) localOptions.password = options.password;
  if (options.user !== undefined) {
    if (options.userPassword === undefined) {
      throw new UsageError(`Option "--user" needs "--user-password" too`);
    }
    localOptions.user = { name: options.user, password: options.userPassword };
  }

  const servers = positiveInteger("--servers", options.servers, 1);
  if (options.proxy) localOptions.proxy = servers === undefined ? true : { servers };

  const started = performance.now();
  // Signals are the command's (lib/cli/signals.ts): a Ctrl-C aborts the start, or stops the
  // servers once they are up.
  const redis = await startLocalRedis({
    ...localOptions,
    handleSignals: false,
    signal: period.signal,
  });
  const seconds = (performance.now() - started) / 1000;
  const state = stateOf(redis);
  await writeState(options.state, state);
  globalThis.addEventListener("unload", () => removeOwnStateSync(options.state));

  console.log(describe(redis, localOptions, seconds));
  console.log(`State file:         ${options.state}`);
  console.log(`Press Ctrl-C to stop, or run "${downCommand(options)}" from another shell.`);

  const aborted = new Promise<"signal">((resolve) => {
    if (period.signal.aborted) resolve("signal");
    period.signal.addEventListener("abort", () => resolve("signal"), { once: true });
  });
  const exited = await Promise.race([redis.waitForExit(), aborted]);
  if (exited === "signal") {
    const reason: unknown = period.signal.reason;
    const signal = reason instanceof InterruptedError ? reason.signal : "SIGINT";
    console.error(`Stopping the local servers (${signal})…`);
    await redis.stop();
    removeOwnStateSync(options.state);
    return signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Interrupted;
  }
  const stillOurs = (await readState(options.state))?.ownerPid === Deno.pid;
  const what = redis.proxy?.pid === exited.pid ? "nutcracker" : "redis-server";
  console.error(
    stillOurs
      ? `${what} pid ${exited.pid} (${redis.url(exited)}) exited unexpectedly; stopping the others`
      : `Stopped by "redis down"`,
  );
  await redis.stop();
  return stillOurs ? 3 : 0;
}

/** The `down` command that matches how `up` was run. */
function downCommand(options: { state: string }): string {
  const name = commandPrefix === undefined ? "redfill redis" : commandPrefix;
  return `${name} down${options.state === DEFAULT_STATE ? "" : ` --state ${options.state}`}`;
}

/** The command as typed (`deno task redis`, `redfill redis`), set by {@linkcode main}. */
let commandPrefix: string | undefined;

/** Removes the state file on exit if it still describes this process's servers. */
function removeOwnStateSync(path: string): void {
  try {
    const state = JSON.parse(Deno.readTextFileSync(path)) as LocalState;
    if (state.ownerPid === Deno.pid) Deno.removeSync(path);
  } catch {
    // no state file, or not ours
  }
}

async function down(options: { state: string }): Promise<number> {
  const state = await readState(options.state);
  if (!state) {
    console.log(`Nothing to stop: no state file at ${options.state}`);
    return 0;
  }
  await Deno.remove(options.state).catch(() => {});
  const result = await stopFromState(state);
  console.log(
    `Stopped ${result.stopped.length} ${
      state.proxy ? "nutcracker and " : ""
    }redis-server process(es)${
      result.stopped.length ? ` (pids ${result.stopped.join(", ")})` : ""
    }`,
  );
  if (result.gone.length) console.log(`Already gone: pids ${result.gone.join(", ")}`);
  if (result.skipped.length) {
    console.log(`Left alone (no longer redis-server): pids ${result.skipped.join(", ")}`);
  }
  const deadline = Date.now() + 5000;
  while (isProcess(state.ownerPid, OWNER_NEEDLE) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 0;
}

async function status(options: { state: string }): Promise<number> {
  const state = await readState(options.state);
  if (!state) {
    console.log(`No local servers: no state file at ${options.state}`);
    return 0;
  }
  const owner = isProcess(state.ownerPid, OWNER_NEEDLE) ? "running" : "gone";
  console.log(
    `Local redis ${state.kind} started ${state.startedAt} by pid ${state.ownerPid} (${owner})`,
  );
  if (state.proxy) {
    const alive = isProcess(state.proxy.pid, "nutcracker") ? "alive" : "gone";
    console.log(
      `  ${"proxy".padEnd(8)} ${state.proxy.url.padEnd(26)} pid ${state.proxy.pid} ${alive}`,
    );
  }
  for (const node of state.nodes) {
    const alive = isProcess(node.pid) ? "alive" : "gone";
    const role = state.proxy ? "server" : node.role;
    console.log(`  ${role.padEnd(8)} ${node.url.padEnd(26)} pid ${node.pid} ${alive}`);
  }
  if (state.tls) console.log(`CA certificate:     ${state.tls.ca}`);
  return 0;
}

/** The exit codes of `redis`. */
const REDIS_EXIT_CODES = [
  ExitCode.Ok,
  ExitCode.Usage,
  ExitCode.Connection,
  ExitCode.Internal,
  ExitCode.Interrupted,
  ExitCode.Terminated,
] as const;

/**
 * The program of `redfill redis`, in the shared usage style, with `up`, `down` and `status`.
 *
 * @param context The command's name and version.
 * @param chosen Receives the subcommand to run, once parsed.
 * @returns The program.
 */
export function redisProgram(
  context: Pick<CommandContext, "name" | "version">,
  chosen: (run: (period: GracefulPeriod) => Promise<number>) => void = () => {},
): Command {
  const name = context.name;
  const root = createProgram({
    name,
    usage: "up|down|status [options]",
    description: "Manage local redis-server processes for trying redfill by hand",
    exitCodes: REDIS_EXIT_CODES,
    examples: [
      ["up --cluster --tls", "a 3+3 TLS cluster, until Ctrl-C"],
      ["up --proxy --servers 3", "three servers behind a twemproxy"],
      ["down", "stop what up started, from another shell"],
    ],
    version: context.version,
  });
  const stateOption = ["--state <file>", "state file", DEFAULT_STATE] as const;
  const stateDefault = ".redfill/local.json in the project";
  const sub = (command: string, description: string, examples: UsageExamples) =>
    addSubcommand(root, command, {
      name: `${name} ${command}`,
      description,
      exitCodes: REDIS_EXIT_CODES,
      examples,
    });
  sub("up", "Start local servers and keep them running until Ctrl-C", [
    ["--cluster --masters 3 --replicas 1", "a 3+3 cluster"],
    ["--tls --password secret", "a TLS server with requirepass"],
    ["--proxy --servers 2", "two servers behind a twemproxy"],
  ])
    .option("--cluster", "start a Redis Cluster instead of a standalone server")
    .addOption(new Option("--masters <n>", "cluster masters").default(undefined, "3"))
    .addOption(new Option("--replicas <n>", "replicas per master").default(undefined, "1"))
    .option("--tls", "TLS only, with a CA and certificates made for the run")
    .option("--mtls", "TLS that requires client certificates")
    .option("--password <password>", "requirepass for the default user")
    .option("--user <name>", "an extra ACL user with full access")
    .option("--user-password <password>", "the ACL user's password")
    .option("--proxy", "standalone servers behind a twemproxy (nutcracker)")
    .addOption(
      new Option("--servers <n>", "servers behind the proxy")
        .default(undefined, String(proxyDefaults.servers)),
    )
    .addOption(new Option(stateOption[0], stateOption[1]).default(DEFAULT_STATE, stateDefault))
    .action((options) => chosen((period) => up(options as UpFlags, period)));
  sub("down", "Stop what 'up' started (from another shell)", [
    ["", "stop the servers in .redfill/local.json"],
    ["--state /tmp/local.json", "stop those of another state file"],
  ])
    .addOption(new Option(stateOption[0], stateOption[1]).default(DEFAULT_STATE, stateDefault))
    .action((options) => chosen(() => down(options)));
  sub("status", "Show what 'up' started and which processes are alive", [
    ["", "the servers in .redfill/local.json"],
    ["--state /tmp/local.json", "those of another state file"],
  ])
    .addOption(new Option(stateOption[0], stateOption[1]).default(DEFAULT_STATE, stateDefault))
    .action((options) => chosen(() => status(options)));
  return root;
}

/** A subcommand's examples. */
type UsageExamples = readonly (readonly [string, string])[];

/**
 * Runs `redfill redis`.
 *
 * @param args Command-line arguments after `redis`.
 * @param context The command's name, version and signals.
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  context: CommandContext = inProcessContext("redis"),
): Promise<number> {
  commandPrefix = context.name;
  let run: ((period: GracefulPeriod) => Promise<number>) | undefined;
  try {
    const program = redisProgram(context, (chosen) => run = chosen);
    if (parseProgram(program, args) !== "run" || run === undefined) return 0;
    using period = context.signals.graceful();
    return await run(period);
  } catch (error) {
    return reportError(error);
  }
}
