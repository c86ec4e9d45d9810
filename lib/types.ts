/**
 * The contracts between redfill's parts, in one place: targets, topology, transports, steps,
 * the run context and the results that flow into the report.
 *
 * @module
 */

import type { Message } from "./message.ts";
import type { FillResult, VerifyResult } from "./results.ts";
import type { MetricSpec, ThresholdResult } from "./thresholds.ts";

export type * from "./results.ts";

// ---------------------------------------------------------------------------------------------
// Targets and topology
// ---------------------------------------------------------------------------------------------

/**
 * How to treat the target: a single server, a Redis Cluster, ask the server, or a
 * twemproxy-style proxy (no INFO, CLIENT, CLUSTER or FLUSHALL).
 */
export type TargetMode = "standalone" | "cluster" | "auto" | "proxy";

/** TLS settings shared by the control plane (ioredis) and the data plane (node:tls). */
export interface TlsSettings {
  /** Path of a PEM file with the CA certificate(s) to trust. */
  ca?: string | undefined;
  /** Path of a PEM client certificate (mTLS). */
  cert?: string | undefined;
  /** Path of the PEM private key of the client certificate. */
  key?: string | undefined;
  /** Server name to send (SNI) and check the certificate against. */
  servername?: string | undefined;
  /** Skip certificate verification (test setups only). */
  insecure?: boolean | undefined;
}

/** Where and how to connect. Never printed whole: it holds the password. */
export interface Target {
  /**
   * Host name or address of the seed node (IPv6 without brackets), or the absolute path of a
   * standalone server's Unix socket (see `lib/address.ts`).
   */
  host: string;
  /** Port of the seed node; 0 for a Unix socket. */
  port: number;
  /** Standalone, cluster, auto (ask the server with INFO cluster), or proxy. */
  mode: TargetMode;
  /** TLS settings; present means TLS. */
  tls?: TlsSettings | undefined;
  /** ACL user name. */
  username?: string | undefined;
  /** Password (requirepass or the ACL user's). */
  password?: string | undefined;
  /** Connect timeout in milliseconds (default 5000). */
  connectTimeoutMs: number;
  /** Timeout for one control-plane reply in milliseconds (default 10000). */
  commandTimeoutMs: number;
  /** Name of a registered transport that overrides the choice by mode. */
  transport?: string | undefined;
}

/** A slot range, both ends inclusive. */
export type SlotRange = readonly [start: number, end: number];

/** The role of a node. */
export type NodeRole = "master" | "replica";

/** One Redis node as the transport sees it. */
export interface NodeInfo {
  /** Cluster node id, or `"standalone"` for a single server. */
  id: string;
  /** Host clients connect to. */
  host: string;
  /** Port clients connect to (the TLS port over TLS). */
  port: number;
  /** Master or replica. */
  role: NodeRole;
  /** For a replica, the id of its master. */
  masterId?: string | undefined;
  /** Slot ranges a master serves; a standalone server serves every slot. */
  slots: SlotRange[];
}

/** The nodes of a target and who serves which slots. */
export interface Topology {
  /** Standalone or cluster, as discovered. */
  mode: "standalone" | "cluster";
  /** Every node, masters first. */
  nodes: NodeInfo[];
}

// ---------------------------------------------------------------------------------------------
// Transports
// ---------------------------------------------------------------------------------------------

/** A command argument: strings are sent as UTF-8. */
export type RedisArg = string | number | Uint8Array;

/** Where a control-plane command goes: by key, to a node id, or to any node. */
export type CommandRoute = { key: string | Uint8Array } | { node: string } | "any";

/** A reply from one node for a command sent to every master. */
export interface NodeReply {
  /** The node that answered. */
  node: NodeInfo;
  /** Its reply. */
  reply: unknown;
}

/**
 * A raw, authenticated socket to one node for the data plane: the fill writes pre-encoded RESP
 * into it.
 */
export interface DataSocket {
  /** The node this socket talks to. */
  readonly node: NodeInfo;
  /**
   * Writes every byte of `chunk`. Resolves when the chunk may be reused; waits while the
   * socket is above its high-water mark (backpressure).
   *
   * @throws {FillError} when the socket fails or closes.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Sets the one listener for incoming bytes (replies). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Settles when the socket closes; rejects with the reason when it fails. */
  readonly closed: Promise<void>;
  /** Destroys the socket at once. Idempotent. */
  close(): void;
}

/**
 * How verify counts a fill's keys through a transport: the command (`EXISTS`, or `TOUCH`,
 * which a proxy may split across servers and sum), how many keys one command may carry, and
 * whether those keys must share a hash slot (a cluster refuses others with CROSSSLOT). A
 * proxy that forwards a multi-key `EXISTS` whole to one server counts with `maxKeys: 1`.
 */
export interface KeyCounting {
  /** The counting command: replies with how many of its keys exist. */
  readonly command: "EXISTS" | "TOUCH";
  /** The most keys in one command (at least 1). */
  readonly maxKeys: number;
  /** Whether the keys of one command must share a slot. */
  readonly sameSlot: boolean;
}

/** A live connection to a target: control plane, topology and data-plane sockets. */
export interface Transport {
  /** The registered name, e.g. `"standalone"` or `"cluster"`. */
  readonly name: string;
  /**
   * How verify counts keys through it; by default batched `EXISTS` of up to 256 keys, of one
   * slot in a cluster.
   */
  readonly keyCounting?: KeyCounting | undefined;
  /**
   * The most commands one data socket may have in flight (a proxy's limit, twemproxy's about
   * 1024); unlimited when absent.
   */
  readonly maxInFlight?: number | undefined;
  /** Connects and discovers the topology. */
  connect(): Promise<Topology>;
  /** The last topology discovered. */
  topology(): Topology;
  /** Rediscovers the topology (after MOVED/ASK, a lost node or a failover). */
  refresh(): Promise<Topology>;
  /** Sends one control-plane command, routed by key, to a node id, or anywhere. */
  call(args: RedisArg[], route?: CommandRoute): Promise<unknown>;
  /** Sends one command to every master and collects each reply. */
  callEachMaster(args: RedisArg[]): Promise<NodeReply[]>;
  /** Opens a data-plane socket to a node, with the same address, TLS and auth settings. */
  openWriter(node: NodeInfo): Promise<DataSocket>;
  /** Closes the control plane and every data socket still open. Idempotent. */
  close(): Promise<void>;
}

/** What a transport factory receives. */
export interface TransportInit {
  /** The target to connect to. */
  target: Target;
  /** Where to log. */
  logger: Logger;
}

/** A transport plugin, made with `defineTransport`. */
export interface TransportDefinition {
  /** Name used in `target.transport` and in the registry. */
  readonly name: string;
  /** One line for help and `--dry-run`. */
  readonly description: string;
  /** Whether this transport handles the mode (used when `target.transport` is not set). */
  readonly modes: readonly TargetMode[];
  /** Makes an unconnected transport for the target. */
  create(init: TransportInit): Transport;
}

// ---------------------------------------------------------------------------------------------
// Logging and progress
// ---------------------------------------------------------------------------------------------

/** Where steps write messages for people. Never pass a secret. */
export interface Logger {
  /** Detail shown with `--debug`. */
  debug(message: string): void;
  /** Normal progress messages. */
  info(message: string): void;
  /** Something the user should look at. */
  warn(message: string): void;
}

/** A snapshot of a running fill, for progress displays. */
export interface ProgressSnapshot {
  /** Bytes of keys and values sent so far. */
  bytes: number;
  /** Keys sent so far. */
  keys: number;
  /** Bytes to send in all. */
  totalBytes: number;
  /** Keys to send in all. */
  totalKeys: number;
  /** Milliseconds since the fill started. */
  elapsedMs: number;
  /** Keys sent per node address. */
  perNode: Record<string, number>;
}

/** Shows the progress of a long step: a bar on a TTY, plain lines otherwise. */
export interface ProgressReporter {
  /** Called about every 100–250 ms with the latest numbers. */
  update(snapshot: ProgressSnapshot): void;
  /** Ends the display. */
  done(): void;
}

// ---------------------------------------------------------------------------------------------
// Steps and the run context
// ---------------------------------------------------------------------------------------------

/**
 * The facts steps put into the run context, by name, with their types. A step's `ctx.get`,
 * `ctx.find` and `ctx.provide` take these names and return or take these types. A plugin adds
 * its own facts by declaration merging, as Hono's middleware adds its variables, importing
 * redfill by the name a user's project gives it (`"redfill"` in the import map):
 *
 * ```ts ignore
 * import { defineStep } from "redfill";
 *
 * export interface DoctorReport { warned: boolean }
 * declare module "redfill" { interface ContextFacts { doctor: DoctorReport } }
 *
 * export default defineStep({
 *   name: "memory-doctor", description: "…", needs: ["connection"], provides: ["doctor"],
 *   run(ctx) { ctx.provide("doctor", { warned: false }); },
 * });
 * ```
 *
 * `fixtures/steps/memory_doctor.ts` is that plugin, checked by `deno check`.
 */
export interface ContextFacts {
  /** A connected transport (from `connect`). */
  connection: Transport;
  /** The discovered topology (from `connect`, refreshed by `discover`). */
  topology: Topology;
  /** A fill result (from `fill`, or a declared keyspace from `keyspace`). */
  fill: FillResult;
  /** A verify result (from `verify`). */
  verify: VerifyResult;
  /** The target was flushed (from `flush`). */
  flush: FlushResult;
}

/** What the `flush` step did. */
export interface FlushResult {
  /** Whether anything was flushed (false when `enabled: false`). */
  enabled: boolean;
  /** `all` (FLUSHALL) or `prefix` (SCAN + UNLINK). */
  scope: "all" | "prefix";
  /** Keys deleted with scope `prefix`. */
  deleted: number;
}

/**
 * A fact name: one of {@linkcode ContextFacts}' keys, or a plugin's own string (whose value is
 * `unknown` until the plugin declares it in `ContextFacts`).
 */
export type FactName = keyof ContextFacts | (string & Record<never, never>);

/** The value of a fact: its type in {@linkcode ContextFacts}, or `unknown`. */
export type FactValue<TFact extends string> = TFact extends keyof ContextFacts ? ContextFacts[TFact]
  : unknown;

/**
 * What a step's `run` receives besides its options. The type parameters are the facts the step
 * declared (`defineStep` captures them from `needs`, `provides` and `optional`), so reading or
 * providing an undeclared fact fails to compile, and the executor refuses it at run time too:
 *
 * - `get(fact)` reads a fact in `needs`: the plan check guarantees an earlier step provided it.
 *   A fact the step only provides is not readable with `get`, since it may not exist yet.
 * - `find(fact)` reads a fact in `needs` or `optional`, or `undefined` when no earlier step
 *   provided it (the `report` step reads whatever the run produced this way).
 * - `provide(fact, value)` takes a fact in `provides`, with its type.
 * - `has(fact)` tells whether any fact is there.
 *
 * The defaults (every fact) are for code that handles any step, like the executor.
 */
export interface StepContext<
  TNeeds extends FactName = FactName,
  TProvides extends FactName = FactName,
  TOptional extends FactName = FactName,
> {
  /** The id of the running step (its name unless `id:` was given). */
  readonly stepId: string;
  /** The target from the pipeline file and flags. */
  readonly target: Target;
  /** Name of the pipeline. */
  readonly pipeline: string;
  /** Reads a fact the step needs; the plan check guarantees an earlier step provided it. */
  get<TFact extends TNeeds>(fact: TFact): FactValue<TFact>;
  /** Reads a fact the step needs or declared optional, or `undefined` when none was provided. */
  find<TFact extends TNeeds | TOptional>(fact: TFact): FactValue<TFact> | undefined;
  /** Whether a fact has been provided. */
  has(fact: FactName): boolean;
  /** Provides a fact the step declared in `provides`, for later steps. */
  provide<TFact extends TProvides>(fact: TFact, value: FactValue<TFact>): void;
  /** Outputs of earlier steps, by step id. */
  readonly outputs: ReadonlyMap<string, unknown>;
  /** Makes a transport for the target by the registry's rules (used by `connect`). */
  createTransport(): Transport;
  /** Registers a resource the executor closes on every path (transports, sockets). */
  defer(close: () => Promise<void> | void): void;
  /**
   * A sentence as this run's reader reads it: the options it mentions named as the caller
   * names them (`--replies` under `deno task fill`, `fill.replies` for a pipeline file). For
   * log lines; an error's sentence is named by the executor.
   */
  text(message: string | Message): string;
  /** Where to log. */
  readonly logger: Logger;
  /** Progress display for long steps. */
  readonly progress: ProgressReporter;
  /**
   * Aborted on Ctrl-C, and when an `abort-on-fail` threshold fails a sample of this step's
   * metrics: either way, stop as on Ctrl-C (the fill runs its barrier) and return what was done.
   */
  readonly signal: AbortSignal;
  /**
   * Publishes a sample of one of the metrics the step declared in `metrics` (name without the
   * step id, value in the declared unit). The last sample is the value its thresholds judge; an
   * `abort-on-fail` threshold is checked on every sample and aborts `signal` when it fails.
   */
  metric(name: string, value: number): void;
  /** The thresholds checked so far (the steps that ended before this one), for the report. */
  readonly thresholds?: readonly ThresholdResult[] | undefined;
  /**
   * The steps that ran before this one, with their outcomes and durations (for the report).
   * The executor always sets it; a hand-made context may leave it out.
   */
  readonly steps?: readonly StepRecord[] | undefined;
}

/** A step that has run, as later steps see it. */
export interface StepRecord {
  /** Step id. */
  readonly id: string;
  /** Step name. */
  readonly name: string;
  /** Whether it finished without error. */
  readonly ok: boolean;
  /** Wall time in milliseconds. */
  readonly durationMs: number;
  /** The one-line message of the error that stopped it. */
  readonly error?: string | undefined;
}

/**
 * A step's options schema, as redfill's public types see it: a Standard Schema (every zod 4
 * schema is one) whose output type is the options `run` receives. At run time the loader
 * needs a zod object schema (`z.strictObject({...})` with kebab-case keys); `defineStep`
 * checks that.
 */
export interface OptionsSchema<TOutput = unknown> {
  /** The Standard Schema interface. */
  readonly "~standard": {
    /** Standard Schema version. */
    readonly version: 1;
    /** The library that made the schema, e.g. `"zod"`. */
    readonly vendor: string;
    /** Validates a value. */
    readonly validate: (value: unknown) => unknown;
    /** The input and output types, for type inference only. */
    readonly types?: { readonly input: unknown; readonly output: TOutput } | undefined;
  };
}

/** The options type a schema produces: what a step's `run` receives. */
export type OptionsOf<TSchema> = TSchema extends OptionsSchema<infer TOutput> ? TOutput
  : never;

/** Names an option as the reader of a message knows it (the CLI: `key-size` → `--key-size`). */
export type NameOption = (option: string) => string;

/** One step of a plan as another step's `resolve` or `check` sees it at load time. */
export interface PlanStepView {
  /** Its id. */
  readonly id: string;
  /** Its name. */
  readonly name: string;
  /** Its validated options (undefined when they did not validate). */
  readonly options: unknown;
}

/** What a step's `resolve` and `check` see of the plan, at load time. */
export interface StepPlanContext {
  /** The resolved target. */
  readonly target: Target;
  /** Every step of the pipeline, in order. */
  readonly steps: readonly PlanStepView[];
  /** The place of the step being resolved or checked in `steps`. */
  readonly index: number;
}

/** A problem a step's `check` finds at load time (a zod custom issue may carry `words` too). */
export interface StepCheckProblem {
  /** The option it is about, inside the step's options (e.g. `["enabled"]`). */
  readonly path: readonly string[];
  /** The sentence for a pipeline file, lower-case, naming options as the file does. */
  readonly message: string;
  /** The whole sentence for a reader who names options otherwise (the CLI's flags). */
  readonly words?: ((name: NameOption) => string) | undefined;
}

/** A step plugin, made with `defineStep`. */
export interface StepDefinition<
  TOptions extends OptionsSchema = OptionsSchema,
  TOutput = unknown,
  TNeeds extends FactName = FactName,
  TProvides extends FactName = FactName,
  TOptional extends FactName = FactName,
> {
  /** Name used in pipeline files. */
  readonly name: string;
  /** One line for help, `--dry-run` and the JSON Schema. */
  readonly description: string;
  /** Schema of the step's options (an object schema; `{}` when it takes none). */
  readonly options: TOptions;
  /** Facts an earlier step must provide (the plan check enforces it). */
  readonly needs: readonly TNeeds[];
  /** Facts this step provides (the executor checks that it did). */
  readonly provides: readonly TProvides[];
  /** Facts the step reads with `ctx.find` when an earlier step provided them. */
  readonly optional: readonly TOptional[];
  /**
   * The metrics the step publishes with `ctx.metric`, by name (without the step id), each with
   * its unit: thresholds may gate them as `STEP-ID.NAME` (`fill.throughput`). Absent: none.
   */
  readonly metrics?: Readonly<Record<string, MetricSpec>> | undefined;
  /**
   * Runs even after an earlier step failed or the run was interrupted, like a `finally`
   * (`report` does, to show a failed verdict). Its own failure does not replace the first one.
   */
  readonly always?: boolean | undefined;
  /**
   * Completes the options from the rest of the plan at load time, after every step's options
   * were validated and before any `check`: what it returns is what runs and what `--dry-run`
   * shows (`flush` takes the `prefix` of the fill step it precedes; only the last `report`
   * step appends to `$GITHUB_STEP_SUMMARY`).
   */
  resolve?(options: OptionsOf<TOptions>, context: StepPlanContext): OptionsOf<TOptions>;
  /** Checks the options against the resolved target at load time, before anything connects. */
  check?(options: OptionsOf<TOptions>, context: StepPlanContext): readonly StepCheckProblem[];
  /** Runs the step; the output is stored under the step id. */
  run(
    ctx: StepContext<TNeeds, TProvides, TOptional>,
    options: OptionsOf<TOptions>,
  ): Promise<TOutput> | TOutput;
}
