/**
 * `deno task fill [flags]`: the built-in `pipelines/fill.yaml` with the original tool's flags
 * laid over it. Without `--host` (or `--url`) it starts a managed local server, fills it,
 * reports, and stops it: the one-command demo.
 *
 * @module
 */

import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { fileURLToPath } from "node:url";
import { InterruptedError, isUserError, UsageError } from "../lib/errors.ts";
import { keyCount, Keyspace, parseShard, parseTtl } from "../lib/fill/keyspace.ts";
import { parseSize } from "../lib/units.ts";
import { localTarget, startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { reportError, reportRunFailure, usageErrorFromCommander } from "../lib/cli/errors.ts";
import { type Interrupt, interruptOnSignals } from "../lib/cli/signals.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
import { formatPlan, runPipeline } from "../lib/pipeline/executor.ts";
import { isLoopback } from "../lib/steps/flush.ts";
import { parseRedisUrl } from "../lib/pipeline/loader.ts";
import { defaultRegistry, loadPipeline } from "../lib/builtins.ts";
import { KEYSPACE_DEFAULTS, TARGET_DEFAULTS } from "../lib/defaults.ts";
import type { Target, TlsSettings } from "../lib/types.ts";

const FILL_PIPELINE = fileURLToPath(new URL("../pipelines/fill.yaml", import.meta.url));

function program() {
  return new Command()
    .name("deno task fill")
    .description(
      "Fill Redis (standalone or cluster, plaintext or TLS) with generated keys, verify and report.\n" +
        "Without --host or --url, a local redis-server is started for the run and stopped after.",
    )
    .helpOption("--help", "show this help")
    .option("-h, --host <host>", "server host (omit to start a local server)")
    .option("-p, --port <port>", "server port (default 6379, 6380 with --tls)")
    .option("--url <url>", "redis://[user@]host:port or rediss://… (instead of --host/--port)")
    .option("-u, --username <name>", "ACL user name")
    .option("-a, --password <password>", "password (or set REDISCLI_AUTH)")
    .option("-t, --tls", "use TLS")
    .option("--cacert <file>", "CA certificate to trust (PEM)")
    .option("--cert <file>", "client certificate (PEM, for mTLS)")
    .option("--key <file>", "client private key (PEM, for mTLS)")
    .option("--sni <name>", "server name for TLS (SNI and certificate check)")
    .option("--insecure", "skip TLS certificate verification (test setups only)")
    .option("-c, --cluster", "the target is a Redis Cluster")
    .option(
      "--connect-timeout <ms>",
      "give up connecting after this many milliseconds (default 5000)",
    )
    .option(
      "-d, --data <size>",
      "bytes to write: a bare number means GB (2 = 2 GiB); 512MB, 1.5GiB",
    )
    .addOption(
      new Option("-f, --flush [scope]", "flush first: FLUSHALL every master, or 'prefix'")
        .choices(["all", "prefix"]),
    )
    .option("--yes", "allow --flush on a host that is not loopback")
    .option("-s, --serial", "one writer per master")
    .option("-n, --connections <n>", "writers per master (default 8 standalone, 2 per master)")
    .option("--key-size <bytes>", "bytes per key (default 512)")
    .option("--value-size <bytes>", "bytes per value (default 512)")
    .option("--ttl <seconds>", "TTL in seconds, or a range like 60-120")
    .option("--pipeline <size>", "bytes per batch buffer, e.g. 4MiB")
    .option("--seed <n>", "seed of the values (default 1)")
    .option("--prefix <text>", 'key prefix (default "redfill:")')
    .option("--rate <MBps>", "cap in MB/s")
    .option("--shard <k/n>", "write only part k of n of the keyspace")
    .option("--replies", "acked mode: keep replies on and count every reply")
    .option("--no-verify", "skip the verify step")
    .addOption(
      new Option("--report <format>", "report format").choices(["table", "json", "md"]).default(
        "table",
      ),
    )
    .option("--out <file>", "write the report to a file")
    .option("--dry-run", "print the plan without connecting")
    .option("--debug", "show debug messages and stack traces")
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeErr: () => {} });
}

type Flags = ReturnType<ReturnType<typeof program>["opts"]>;

function integer(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`Invalid ${flag} "${text}": expected a whole number ≥ ${min}`);
  }
  return value;
}

/** `--set` overrides for the steps of fill.yaml, from the flags. */
function stepOverrides(flags: Flags): string[] {
  const set: string[] = [];
  const put = (path: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) set.push(`${path}=${JSON.stringify(value)}`);
  };
  const size = flags.data === undefined
    ? undefined
    : parseSize(flags.data, { bareUnit: 1024 ** 3, what: "--data" });
  const keySize = integer(flags.keySize, "--key-size", 1);
  const valueSize = integer(flags.valueSize, "--value-size", 1);
  // A key size too small for prefix, tag and index is named by its flag, before anything runs.
  const keyspace = {
    keySize: keySize ?? KEYSPACE_DEFAULTS.keySize,
    valueSize: valueSize ?? KEYSPACE_DEFAULTS.valueSize,
    prefix: flags.prefix ?? KEYSPACE_DEFAULTS.prefix,
  };
  new Keyspace({
    ...keyspace,
    count: keyCount(size ?? KEYSPACE_DEFAULTS.size, keyspace.keySize, keyspace.valueSize),
    seed: 0,
  });
  put("fill.size", size);
  put("fill.key-size", keySize);
  put("fill.value-size", valueSize);
  put("fill.seed", integer(flags.seed, "--seed", 0));
  put("fill.connections", integer(flags.connections, "--connections", 1));
  if (flags.serial && flags.connections !== undefined && flags.connections !== "1") {
    throw new UsageError(
      `--serial and --connections ${flags.connections} contradict each other: use one of them`,
    );
  }
  if (flags.serial) put("fill.serial", true);
  if (flags.replies) put("fill.replies", true);
  put("fill.prefix", flags.prefix);
  // Parsed here too, so a bad value is named by its flag rather than as a pipeline option.
  if (flags.ttl !== undefined) {
    parseTtl(flags.ttl);
    put("fill.ttl", flags.ttl);
  }
  if (flags.shard !== undefined) {
    parseShard(flags.shard);
    put("fill.shard", flags.shard);
  }
  if (flags.pipeline !== undefined) {
    put("fill.pipeline", parseSize(flags.pipeline, { what: "--pipeline" }));
  }
  if (flags.rate !== undefined) {
    const rate = Number(flags.rate);
    if (!(rate > 0)) throw new UsageError(`Invalid --rate "${flags.rate}": expected MB/s above 0`);
    put("fill.rate", rate);
  }
  if (flags.flush !== undefined) {
    put("flush.enabled", true);
    put("flush.scope", flags.flush === true ? "all" : flags.flush);
    if (flags.prefix !== undefined) put("flush.prefix", flags.prefix);
  }
  if (flags.yes) put("flush.yes", true);
  put("report.format", flags.report);
  put("report.out", flags.out);
  return set;
}

/** The target from the flags, or undefined when a local server should be started. */
function targetFromFlags(flags: Flags, base: Target): Target | undefined {
  if (flags.host === undefined && flags.url === undefined) return undefined;
  const target: Target = { ...base, mode: flags.cluster ? "cluster" : "auto" };
  let tls = flags.tls === true;
  let urlPassword = false;
  if (flags.url !== undefined) {
    const url = parseRedisUrl(flags.url);
    if (typeof url === "string") throw new UsageError(`The --url ${url}`);
    tls ||= url.tls;
    target.host = url.host;
    target.port = url.port ?? (tls ? TARGET_DEFAULTS.tlsPort : TARGET_DEFAULTS.port);
    if (url.username !== undefined) target.username = url.username;
    if (url.password !== undefined) target.password = url.password;
    urlPassword = url.password !== undefined;
  }
  if (flags.host !== undefined) target.host = flags.host;
  const port = integer(flags.port, "--port", 1);
  if (port !== undefined && port > 65535) {
    throw new UsageError(`Invalid --port "${flags.port}": expected 1 … 65535`);
  }
  target.port = port ??
    (flags.url !== undefined ? target.port : tls ? TARGET_DEFAULTS.tlsPort : TARGET_DEFAULTS.port);
  const connectTimeout = integer(flags.connectTimeout, "--connect-timeout", 1);
  if (connectTimeout !== undefined) target.connectTimeoutMs = connectTimeout;
  if (flags.username !== undefined) target.username = flags.username;
  // As in redis-cli, REDISCLI_AUTH is used only when no password was given.
  const password = flags.password ?? (urlPassword ? undefined : Deno.env.get("REDISCLI_AUTH"));
  if (password !== undefined && password !== "") target.password = password;
  const tlsFlags = flags.cacert ?? flags.cert ?? flags.key ?? flags.sni ?? flags.insecure;
  if (tls || tlsFlags !== undefined) {
    if (!tls) {
      throw new UsageError("TLS options (--cacert, --cert, --key, --sni, --insecure) need --tls");
    }
    const settings: TlsSettings = {};
    if (flags.cacert !== undefined) settings.ca = flags.cacert;
    if (flags.cert !== undefined) settings.cert = flags.cert;
    if (flags.key !== undefined) settings.key = flags.key;
    if (flags.sni !== undefined) settings.servername = flags.sni;
    if (flags.insecure) settings.insecure = true;
    target.tls = settings;
  } else {
    delete target.tls;
  }
  return target;
}

/**
 * Runs `deno task fill`.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: readonly string[]): Promise<number> {
  const debug = args.includes("--debug");
  const cli = program();
  let local: LocalRedis | undefined;
  let interrupt: Interrupt | undefined;
  try {
    try {
      cli.parse([...args], { from: "user" });
    } catch (error) {
      if (error instanceof CommanderError) {
        if (error.code === "commander.helpDisplayed") return 0;
        throw usageErrorFromCommander(error, cli);
      }
      throw error;
    }
    const flags = cli.opts();
    const set = stepOverrides(flags);
    const registry = defaultRegistry();
    const pipeline = await loadPipeline(FILL_PIPELINE, { set, registry, env: {} });
    if (flags.verify === false) {
      pipeline.steps = pipeline.steps.filter((step) => step.name !== "verify");
    }
    const logger = terminalLogger({ debug });
    let target = targetFromFlags(flags, pipeline.target);
    if (target === undefined) {
      const needHost = [
        ["--port", flags.port],
        ["--username", flags.username],
        ["--password", flags.password],
        ["--cacert", flags.cacert],
        ["--cert", flags.cert],
        ["--key", flags.key],
        ["--sni", flags.sni],
        ["--insecure", flags.insecure],
        ["--connect-timeout", flags.connectTimeout],
      ].filter(([, value]) => value !== undefined).map(([flag]) => flag);
      if (needHost.length > 0) {
        throw new UsageError(
          `${needHost.join(", ")} need${
            needHost.length === 1 ? "s" : ""
          } --host or --url: without them a local server is started, which sets its own`,
        );
      }
      if (flags.dryRun) {
        target = { ...pipeline.target, mode: flags.cluster ? "cluster" : "standalone" };
      } else {
        const kind = `${flags.tls ? "TLS " : ""}${
          flags.cluster ? "cluster (3 masters + 3 replicas)" : "standalone server"
        }`;
        logger.info(`No --host given: starting a local redis-server ${kind} for this run`);
        // Ctrl-C is ours from here: the fill stops, runs its barrier and reports, and only
        // then are the servers stopped (they run in their own session, so a terminal's Ctrl-C
        // does not reach them first).
        interrupt = interruptOnSignals();
        local = await startLocalRedis({
          cluster: flags.cluster === true,
          tls: flags.tls === true,
          handleSignals: false,
          signal: interrupt.signal,
        });
        target = localTarget(local, {
          connectTimeoutMs: pipeline.target.connectTimeoutMs,
          commandTimeoutMs: pipeline.target.commandTimeoutMs,
        });
        logger.info(`Local ${local.kind} is up at ${local.url()}`);
      }
    }
    pipeline.target = target;
    if (flags.flush !== undefined && flags.yes !== true && !isLoopback(target.host)) {
      // Refused before anything connects; the flush step checks every node's host again.
      throw new UsageError(
        `Refusing to flush "${target.host}": it is not a loopback address; pass --yes to confirm`,
      );
    }
    if (flags.dryRun) {
      console.log(formatPlan(pipeline));
      return 0;
    }
    interrupt ??= interruptOnSignals();
    const result = await runPipeline(pipeline, {
      logger,
      progress: terminalProgress(),
      signal: interrupt.signal,
    });
    return result.ok ? 0 : reportRunFailure(result, { debug });
  } catch (error) {
    if (interrupt?.signal.aborted && !isUserError(error)) {
      // Ctrl-C while the local servers were starting.
      return reportError(new InterruptedError("Interrupted while starting the local servers"), {
        debug,
      });
    }
    return reportError(error, { debug });
  } finally {
    if (local) {
      await local.stop();
    }
    interrupt?.dispose();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
