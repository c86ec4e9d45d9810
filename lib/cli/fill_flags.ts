/**
 * The flags of `deno task fill`, as one table: each flag, its help, and the options of
 * `pipelines/fill.yaml` it sets. The command line only translates — a typed flag becomes an
 * override with the flag as its origin; the step and target schemas decide what is valid, and
 * a problem in an override is named by its flag (`Invalid --ttl "120-60": …`) through the same
 * table. Two rules are the command line's own grammar, not the pipeline's: TLS options mean
 * nothing without `--tls` (or a `rediss://` URL), and a run with no flag that names a server
 * fills a local one (the demo).
 *
 * @module
 */

import { FILL_DEFAULTS, KEYSPACE_DEFAULTS, TARGET_DEFAULTS, VERIFY_DEFAULTS } from "../defaults.ts";
import type { MentionValue } from "../message.ts";
import { THRESHOLD_PATH } from "../thresholds.ts";

/** How the text typed after a flag (`true` for a switch) becomes an option's value. */
export type FlagValue = (typed: string | true) => unknown;

/** One flag of `deno task fill`. */
export interface FillFlag {
  /** Commander's syntax, e.g. `-p, --port <port>`. */
  readonly flags: string;
  /** One line of help. */
  readonly description: string;
  /** The option paths it sets, each with how its value is read; none for the CLI's own flags. */
  readonly sets?: Readonly<Record<string, FlagValue>>;
  /** What it takes, in its messages (`1 … 65535`), in place of the schema's words. */
  readonly expected?: string;
  /** The values commander accepts. */
  readonly choices?: readonly string[];
  /** Never quoted in a message (a password). */
  readonly secret?: boolean;
  /** Names a server (address, credentials, TLS files): with none of these, a local one is filled. */
  readonly connection?: boolean;
  /** Means nothing without TLS: `--tls`, or a `rediss://` URL. */
  readonly needsTls?: boolean;
  /** The default, as the help shows it (from `lib/defaults.ts`). */
  readonly default?: string;
  /** May be given more than once: each one is an override of its own. */
  readonly repeatable?: boolean;
}

/** The text as typed (a switch: true). */
const text: FlagValue = (typed) => typed;
/** A decimal number as a number; anything else as typed, for the schema to refuse by name. */
const number: FlagValue = (typed) =>
  typeof typed === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(typed)
    ? Number(typed)
    : typed;
/** A size, where a bare number means GiB (the original tool's `-d 2`). */
const gibibytes: FlagValue = (typed) =>
  typeof typed === "string" && /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(typed)
    ? `${typed.trim()}GiB`
    : typed;
/** The same value whatever was typed. */
function always(value: unknown): FlagValue {
  return () => value;
}

/** What a size flag takes, in its messages. */
const SIZE_WORDS =
  "a size like 512MB, 1.5GiB or 64KB (units B, KB, MB, GB, TB; all powers of 1024)";

/** Mebibytes, as the help shows a default size. */
function mebibytes(bytes: number): string {
  return `${bytes / 1024 / 1024}MiB`;
}

/** Every flag of `deno task fill`, in help order (the `tls` switch before the TLS files). */
export const FILL_FLAGS: readonly FillFlag[] = [
  {
    flags: "-h, --host <host>",
    description: "server host, IPv6 as ::1 or [::1]; with no flag naming a server, a local one " +
      "is started",
    sets: { "target.host": text },
    connection: true,
    default: TARGET_DEFAULTS.host,
  },
  {
    flags: "-p, --port <port>",
    description: "server port",
    sets: { "target.port": number },
    expected: "1 … 65535",
    connection: true,
    default: `${TARGET_DEFAULTS.port}, ${TARGET_DEFAULTS.tlsPort} with --tls`,
  },
  {
    flags: "--socket <path>",
    description: "the server's Unix socket, instead of --host/--port (redis-cli's -s)",
    sets: { "target.socket": text },
    connection: true,
  },
  {
    flags: "--url <url>",
    description: "redis://[user@]host:port, rediss://… (TLS) or unix:///path, instead of " +
      "--host/--port",
    sets: { "target.url": text },
    connection: true,
  },
  {
    flags: "-u, --username <name>",
    description: "ACL user name",
    sets: { "target.username": text },
    connection: true,
  },
  {
    flags: "-a, --password <password>",
    description: "password; deno task prints its command line, so prefer REDISCLI_AUTH or " +
      "--askpass",
    sets: { "target.password": (typed) => (typed === "" ? undefined : typed) },
    secret: true,
    connection: true,
  },
  {
    flags: "--askpass",
    description: "read the password from the terminal without echo, or a line of stdin when " +
      "it is not a terminal",
    connection: true,
  },
  { flags: "-t, --tls", description: "use TLS", sets: { "target.tls": always({}) } },
  {
    flags: "--cacert <file>",
    description: "CA certificate to trust (PEM)",
    sets: { "target.tls.ca": text },
    connection: true,
    needsTls: true,
  },
  {
    flags: "--cert <file>",
    description: "client certificate (PEM, for mTLS)",
    sets: { "target.tls.cert": text },
    connection: true,
    needsTls: true,
  },
  {
    flags: "--key <file>",
    description: "client private key (PEM, for mTLS)",
    sets: { "target.tls.key": text },
    connection: true,
    needsTls: true,
  },
  {
    flags: "--sni <name>",
    description: "server name for TLS (SNI and certificate check)",
    sets: { "target.tls.servername": text },
    connection: true,
    needsTls: true,
  },
  {
    flags: "--insecure",
    description: "skip TLS certificate verification (test setups only)",
    sets: { "target.tls.insecure": always(true) },
    connection: true,
    needsTls: true,
  },
  {
    flags: "-c, --cluster",
    description: "the target is a Redis Cluster",
    sets: { "target.mode": always("cluster") },
  },
  {
    flags: "--proxy",
    description:
      "the target is a twemproxy-style proxy (no INFO, CLIENT, CLUSTER, FLUSHALL): acked writes, verify through it",
    sets: { "target.mode": always("proxy") },
  },
  {
    flags: "--connect-timeout <ms>",
    description: "give up connecting after this many milliseconds",
    sets: { "target.connect-timeout": number },
    default: String(TARGET_DEFAULTS.connectTimeoutMs),
  },
  {
    flags: "--timeout <ms>",
    description: "a node that does not answer, read writes or acknowledge them for this many " +
      "milliseconds is lost (a frozen master)",
    sets: { "target.command-timeout": number },
    default: String(TARGET_DEFAULTS.commandTimeoutMs),
  },
  {
    flags: "-d, --data <size>",
    description: "bytes to write: a bare number means GB (2 = 2 GiB); 512MB, 1.5GiB",
    sets: { "fill.size": gibibytes },
    expected: SIZE_WORDS,
    default: mebibytes(KEYSPACE_DEFAULTS.size),
  },
  {
    flags: "-f, --flush [scope]",
    description: "flush first: FLUSHALL every master, or 'prefix'",
    sets: {
      "flush.enabled": always(true),
      "flush.scope": (typed) => (typed === true ? "all" : typed),
    },
    choices: ["all", "prefix"],
  },
  {
    flags: "--yes",
    description: "allow --flush on a host that is not loopback",
    sets: { "flush.yes": always(true) },
  },
  { flags: "-s, --serial", description: "one writer per master", sets: { "fill.serial": text } },
  {
    flags: "-n, --connections <n>",
    description: "writers per master",
    sets: { "fill.connections": number },
    default:
      `${FILL_DEFAULTS.standaloneConnections} standalone, ${FILL_DEFAULTS.clusterConnections} per master in a cluster`,
  },
  {
    flags: "--key-size <bytes>",
    description: "bytes per key",
    sets: { "fill.key-size": number },
    default: String(KEYSPACE_DEFAULTS.keySize),
  },
  {
    flags: "--value-size <size>",
    description: "bytes per string value: 512, a range 100-10000, or weighted 64:60,1KiB:30",
    sets: { "fill.value-size": number },
    default: String(KEYSPACE_DEFAULTS.valueSize),
  },
  {
    flags: "--keys <n>",
    description: "write exactly n keys (instead of --data)",
    sets: { "fill.keys": number },
  },
  {
    flags: "--until-memory <target>",
    description: "fill until each master's used_memory reaches 80% of maxmemory, or a size " +
      "like 3GiB (instead of --data)",
    sets: { "fill.until-memory": text },
  },
  {
    flags: "--type <shape>",
    description: "one data shape for every key",
    sets: { "fill.type": text },
    choices: ["string", "hash", "list", "set", "zset", "stream"],
    default: "string",
  },
  {
    flags: "--fields <n>",
    description: "fields per hash or stream entry: 10, 10-50 or 10:90,100:10",
    sets: { "fill.fields": number },
  },
  {
    flags: "--field-size <size>",
    description: "bytes per hash or stream field value, e.g. 16-128",
    sets: { "fill.field-size": number },
  },
  {
    flags: "--elements <n>",
    description: "elements per list",
    sets: { "fill.elements": number },
  },
  {
    flags: "--element-size <size>",
    description: "bytes per list element",
    sets: { "fill.element-size": number },
  },
  {
    flags: "--members <n>",
    description: "members per set or sorted set",
    sets: { "fill.members": number },
  },
  {
    flags: "--member-size <size>",
    description: "bytes per set or sorted-set member",
    sets: { "fill.member-size": number },
  },
  {
    flags: "--scores <range>",
    description: "sorted-set scores: integers like 0-1000000",
    sets: { "fill.scores": number },
  },
  {
    flags: "--entries <n>",
    description: "entries per stream",
    sets: { "fill.entries": number },
  },
  {
    flags: "--compressibility <fraction>",
    description: "fraction of each value that repeats one byte, 0 … 0.9",
    sets: { "fill.compressibility": number },
    default: "0",
  },
  {
    flags: "--ttl <seconds>",
    description: "TTL in seconds, or a range like 60-120",
    sets: { "fill.ttl": text },
    default: "none",
  },
  {
    flags: "--pipeline <size>",
    description: "bytes per batch buffer, e.g. 4MiB",
    sets: { "fill.pipeline": number },
    expected: SIZE_WORDS,
    default: `${mebibytes(FILL_DEFAULTS.bufferBudgetBytes)} shared by all writers`,
  },
  {
    flags: "--seed <n>",
    description: "seed of the values",
    sets: { "fill.seed": number },
    default: String(KEYSPACE_DEFAULTS.seed),
  },
  {
    flags: "--prefix <text>",
    description: "key prefix; --flush prefix deletes only keys under it",
    sets: { "fill.prefix": text, "flush.prefix": text },
    default: JSON.stringify(KEYSPACE_DEFAULTS.prefix),
  },
  {
    flags: "--rate <MBps>",
    description: "cap in MiB/s (MB means MiB, as in redis.conf)",
    sets: { "fill.rate": number },
    expected: "MB/s above 0",
    default: "no cap",
  },
  {
    flags: "--shard <k/n>",
    description: "write only part k of n of the keyspace; auto: k from JOB_COMPLETION_INDEX, " +
      "n from REDFILL_SHARDS (a Kubernetes Indexed Job)",
    sets: { "fill.shard": text },
  },
  {
    flags: "--verify-only",
    description: "write nothing: connect, verify the whole keyspace (every shard's keys) and " +
      "report, e.g. after the shards of a Kubernetes Job",
    sets: { "fill.write": always(false) },
  },
  {
    flags: "--replies",
    description: "acked mode: keep replies on and count every reply",
    sets: { "fill.replies": text },
  },
  {
    flags: "--wait-replicas",
    description: "with --replies: each writer ends with WAIT for its master's replicas; fewer " +
      "acknowledging fails the fill",
    sets: { "fill.durability": always("replicas") },
  },
  {
    flags: "--on-eviction <action>",
    description: "keys evicted during the fill (the server's evicted_keys grew): fail (exit 4) " +
      "or warn",
    sets: { "fill.on-eviction": text },
    choices: ["fail", "warn"],
    default: "fail",
  },
  {
    flags: "--no-verify",
    description: `skip the verify step, which allows ±${
      VERIFY_DEFAULTS.tolerance * 100
    }% per master and checks ${VERIFY_DEFAULTS.sample} sampled keys`,
    sets: { "verify.enabled": always(false) },
  },
  {
    flags: "--verify <content>",
    description: "full: read every key back and compare it",
    sets: { "verify.content": text },
    choices: ["sample", "full"],
    default: "sample",
  },
  {
    flags: "--report <format>",
    description: "report format",
    sets: { "report.format": text },
    choices: ["table", "json", "md"],
    default: "table",
  },
  {
    flags: "--out <file>",
    description: "write the report to a file; checked before anything connects",
    sets: { "report.out": text },
  },
  {
    flags: "--threshold <expr>",
    description: "fail (exit 1) unless a metric passes, e.g. 'fill.throughput>100MiB/s' " +
      "(repeatable; metrics and units: README, Gating CI)",
    sets: { [THRESHOLD_PATH]: text },
    repeatable: true,
  },
  { flags: "--dry-run", description: "print the plan without connecting" },
  { flags: "--debug", description: "show debug messages and stack traces" },
];

/**
 * A flag's long name, as messages name it.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { longFlag } from "./fill_flags.ts";
 * equal(longFlag({ flags: "-n, --connections <n>", description: "" }), "--connections");
 * ```
 *
 * @param flag A row of the table.
 * @returns E.g. `--connections`.
 */
export function longFlag(flag: FillFlag): string {
  return /--[a-z][a-z-]*/.exec(flag.flags)?.[0] ?? flag.flags;
}

/**
 * The flag that sets an option path, for messages.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { flagOf } from "./fill_flags.ts";
 * equal(flagOf("fill.key-size"), "--key-size");
 * equal(flagOf("target.tls.ca"), "--cacert");
 * equal(flagOf("flush.scope", "prefix"), "--flush prefix");
 * ```
 *
 * @param path An option path of `pipelines/fill.yaml`, e.g. `fill.key-size`.
 * @param value The value a message asks for, named with a flag whose argument is optional.
 * @returns The long flag, or undefined when no flag sets it.
 */
export function flagOf(path: string, value?: MentionValue): string | undefined {
  const setters = FILL_FLAGS.filter((candidate) => candidate.sets?.[path] !== undefined);
  // Several switches set one option (`--cluster`, `--proxy`): the one that sets this value.
  const flag =
    setters.find((candidate) => value !== undefined && candidate.sets![path]!(true) === value) ??
      setters[0];
  if (flag === undefined) return undefined;
  // A flag with an optional argument (`--flush [scope]`) is named with the value to give it.
  if (/\[[a-z-]+\]/.test(flag.flags) && value !== undefined && typeof value !== "boolean") {
    return `${longFlag(flag)} ${value}`;
  }
  return longFlag(flag);
}
