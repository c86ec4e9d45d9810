/**
 * `deno task redis up|down|status`: local redis-server processes for trying redfill by hand.
 *
 * - `up [--cluster] [--masters N] [--replicas R] [--tls] [--mtls] [--password P]` starts
 *   servers, prints a URL per node, the certificate paths and a ready-to-paste `redis-cli`
 *   line, writes `.redfill/local.json` (never the password) and runs until Ctrl-C.
 * - `down` (from another shell) stops the pids the state file lists — only while they are
 *   still redis-server processes — and removes the state file.
 * - `status` shows which of them are alive.
 *
 * @module
 */

import { Command, CommanderError } from "@commander-js/extra-typings";
import { fileURLToPath } from "node:url";
import { UsageError } from "../lib/errors.ts";
import { reportError } from "../lib/cli/errors.ts";
import { type LocalRedis, type LocalRedisOptions, startLocalRedis } from "../lib/local/mod.ts";
import {
  isProcess,
  type LocalState,
  readState,
  stateOf,
  stopFromState,
  writeState,
} from "../lib/local/state.ts";

const DEFAULT_STATE = fileURLToPath(new URL("../.redfill/local.json", import.meta.url));

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
  if (redis.tls) traits.push(options.mtls ? "mTLS" : "TLS");
  if (redis.password !== undefined) traits.push("password");
  const lines = [
    `Local redis ${redis.kind} is up${traits.length ? ` (${traits.join(", ")})` : ""} in ${
      seconds.toFixed(1)
    } s`,
  ];
  for (const node of redis.nodes) {
    const where = node.role === "master"
      ? `slots ${node.slots.map(([a, b]) => `${a}-${b}`).join(",")}`
      : `of ${redis.url(redis.nodes.find((n) => n.id === node.masterId))}`;
    lines.push(
      `  ${node.role.padEnd(8)} ${redis.url(node).padEnd(26)} ${where.padEnd(38)} pid ${node.pid}`,
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
  lines.push(`redis-cli:          ${redisCliLine(redis, redis.nodes[0]!.port)}`);
  return lines.join("\n");
}

async function up(
  options: {
    cluster?: true;
    masters?: string;
    replicas?: string;
    tls?: true;
    mtls?: true;
    password?: string;
    user?: string;
    userPassword?: string;
    state: string;
  },
): Promise<number> {
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

  const started = performance.now();
  const redis = await startLocalRedis(localOptions);
  const seconds = (performance.now() - started) / 1000;
  const state = stateOf(redis);
  await writeState(options.state, state);
  globalThis.addEventListener("unload", () => removeOwnStateSync(options.state));
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      interrupted = true;
      console.error(`\nStopping the local servers (${signal})…`);
    });
  }

  console.log(describe(redis, localOptions, seconds));
  console.log(`State file:         ${options.state}`);
  console.log(`Press Ctrl-C to stop, or run "deno task redis down" from another shell.`);

  const exited = await redis.waitForExit();
  if (interrupted) return new Promise<number>(() => {}); // the signal handler of lib/local exits
  const stillOurs = (await readState(options.state))?.ownerPid === Deno.pid;
  console.error(
    stillOurs
      ? `redis-server pid ${exited.pid} (${
        redis.url(exited)
      }) exited unexpectedly; stopping the others`
      : `Stopped by "redis down"`,
  );
  await redis.stop();
  return stillOurs ? 3 : 0;
}

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
    `Stopped ${result.stopped.length} redis-server process(es)${
      result.stopped.length ? ` (pids ${result.stopped.join(", ")})` : ""
    }`,
  );
  if (result.gone.length) console.log(`Already gone: pids ${result.gone.join(", ")}`);
  if (result.skipped.length) {
    console.log(`Left alone (no longer redis-server): pids ${result.skipped.join(", ")}`);
  }
  const deadline = Date.now() + 5000;
  while (isProcess(state.ownerPid, "redis.ts") && Date.now() < deadline) {
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
  const owner = isProcess(state.ownerPid, "redis.ts") ? "running" : "gone";
  console.log(
    `Local redis ${state.kind} started ${state.startedAt} by pid ${state.ownerPid} (${owner})`,
  );
  for (const node of state.nodes) {
    const alive = isProcess(node.pid) ? "alive" : "gone";
    console.log(`  ${node.role.padEnd(8)} ${node.url.padEnd(26)} pid ${node.pid} ${alive}`);
  }
  if (state.tls) console.log(`CA certificate:     ${state.tls.ca}`);
  return 0;
}

function program(run: (code: number) => void): Command {
  const root = new Command("redis")
    .description("Manage local redis-server processes")
    .exitOverride()
    .showHelpAfterError(false);
  const stateOption = ["--state <file>", "state file", DEFAULT_STATE] as const;
  root.command("up")
    .description("start local servers and keep them running until Ctrl-C")
    .option("--cluster", "start a Redis Cluster instead of a standalone server")
    .option("--masters <n>", "cluster masters (default 3)")
    .option("--replicas <n>", "replicas per master (default 1)")
    .option("--tls", "TLS only, with a CA and certificates made for the run")
    .option("--mtls", "TLS that requires client certificates")
    .option("--password <password>", "requirepass for the default user")
    .option("--user <name>", "an extra ACL user with full access")
    .option("--user-password <password>", "the ACL user's password")
    .option(...stateOption)
    .action(async (options) => run(await up(options)));
  root.command("down")
    .description("stop what 'up' started (from another shell)")
    .option(...stateOption)
    .action(async (options) => run(await down(options)));
  root.command("status")
    .description("show what 'up' started and which processes are alive")
    .option(...stateOption)
    .action(async (options) => run(await status(options)));
  return root;
}

async function main(args: string[]): Promise<number> {
  let code = 0;
  try {
    await program((c) => code = c).parseAsync(args, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
