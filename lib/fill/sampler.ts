/**
 * What limited a fill: once a second during the fill, the sampler reads the fill's progress
 * (bytes so far, for the throughput metric), every master's `INFO cpu` and `INFO stats`, and
 * the client's own CPU; at the end it says whether the run was server-bound, client-bound,
 * rate-capped or latency-bound, with the numbers. It sits beside the fill (it wraps the
 * progress reporter the fill already calls), so the fill itself knows nothing of it.
 *
 * A server that refuses `INFO` (an ACL without `+info`, a proxy) leaves the servers' side
 * unknown, and the verdict says so instead of guessing.
 *
 * @module
 */

import { formatAddress } from "../address.ts";
import { parseInfo } from "../resp/info.ts";
import { cpuSeconds } from "./process_stats.ts";
import type {
  FillLimit,
  FillLimitServer,
  NodeReply,
  ProgressReporter,
  ProgressSnapshot,
  Transport,
} from "../types.ts";

/** A side that used at least this much of a core is busy: it is what limited the run. */
export const BUSY_CORES = 0.8;
/** A fill that reached this share of its `rate` cap was held back by the cap. */
export const RATE_CAP_SHARE = 0.9;

/** One master's counters at one moment. */
interface ServerReading {
  address: string;
  at: number;
  cpuSeconds: number;
  inputBytes: number;
  commands: number;
}

/** Options for {@linkcode FillSampler}. */
export interface FillSamplerOptions {
  /** How often to sample (default 1000 ms). */
  intervalMs?: number | undefined;
  /** Called with the throughput so far (MiB/s, from the fill's start) at every sample. */
  onThroughput?: ((mibPerSecond: number) => void) | undefined;
  /** Read the servers' `INFO` (default true; false for a proxy, which has none). */
  readInfo?: boolean | undefined;
}

/** What the sampler measured, before it is judged by {@linkcode classifyLimit}. */
export interface LimitMeasures {
  /** Cores the client used on average during the fill (CPU seconds / wall seconds). */
  clientCpu: number;
  /** Per master, or undefined when no `INFO` could be read. */
  servers?: FillLimitServer[] | undefined;
  /** Why the servers' side is unknown, when it is. */
  unavailable?: string | undefined;
  /** The machine's 1-minute load and its cores, at the end of the fill. */
  machine?: { load: number; cores: number } | undefined;
}

/** Options for {@linkcode classifyLimit}. */
export interface ClassifyLimitOptions {
  /** The `rate` cap in MiB/s, if one was set. */
  rateCap?: number | undefined;
  /** The throughput reached, in MiB/s. */
  mibPerSecond: number;
  /** How the `rate` option is named to the reader (`--rate`, `fill.rate`). */
  rateName?: string | undefined;
}

/** A number of cores as the verdict shows it. */
function cores(value: number): string {
  return value.toFixed(2);
}

/**
 * Judges what limited a fill from what was measured: a `rate` cap it reached, else the busiest
 * side if one used at least {@linkcode BUSY_CORES} of a core (the busier of the two when both
 * did), else latency (neither side busy).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { classifyLimit } from "./sampler.ts";
 * const servers = [{ address: "127.0.0.1:7001", cpu: 0.97, inputMibPerSecond: 150, opsPerSecond: 150000 }];
 * equal(classifyLimit({ clientCpu: 0.4, servers }, { mibPerSecond: 140 }).summary,
 *   "server-bound (127.0.0.1:7001 used 0.97 of a core; the client 0.40)");
 * equal(classifyLimit({ clientCpu: 0.1, servers }, { mibPerSecond: 49.8, rateCap: 50, rateName: "--rate" }).summary,
 *   "rate-capped (--rate 50 MiB/s; reached 49.8 MiB/s)");
 * ```
 *
 * @param measures The client's and the servers' CPU.
 * @param options The rate cap and the throughput reached.
 * @returns The verdict with its numbers.
 */
export function classifyLimit(measures: LimitMeasures, options: ClassifyLimitOptions): FillLimit {
  const servers = measures.servers;
  const busiest = servers === undefined || servers.length === 0
    ? undefined
    : servers.reduce((max, server) => (server.cpu > max.cpu ? server : max));
  const base = {
    clientCpu: round(measures.clientCpu),
    serverCpuMax: busiest === undefined ? null : round(busiest.cpu),
    servers: servers ?? [],
    unavailable: measures.unavailable ?? null,
  };
  const client = cores(measures.clientCpu);
  if (
    options.rateCap !== undefined && options.mibPerSecond >= options.rateCap * RATE_CAP_SHARE
  ) {
    return {
      ...base,
      kind: "rate-capped",
      summary: `rate-capped (${options.rateName ?? "rate"} ${options.rateCap} MiB/s; reached ${
        options.mibPerSecond.toFixed(1)
      } MiB/s)`,
    };
  }
  const serverBusy = busiest !== undefined && busiest.cpu >= BUSY_CORES;
  const clientBusy = measures.clientCpu >= BUSY_CORES;
  if (serverBusy && (!clientBusy || busiest.cpu >= measures.clientCpu)) {
    return {
      ...base,
      kind: "server-bound",
      summary: `server-bound (${busiest.address} used ${
        cores(busiest.cpu)
      } of a core; the client ${client})`,
    };
  }
  if (clientBusy) {
    const servers = busiest === undefined
      ? `; the servers' CPU is unknown: ${measures.unavailable ?? "no INFO"}`
      : `; the busiest server ${busiest.address} ${cores(busiest.cpu)}`;
    return {
      ...base,
      kind: "client-bound",
      summary: `client-bound (the client used ${client} of a core${servers})`,
    };
  }
  if (busiest === undefined) {
    return {
      ...base,
      kind: "unknown",
      summary: `unknown (${
        measures.unavailable ?? "INFO is not available"
      }, so the servers' CPU is unknown; the client used ${client} of a core)`,
    };
  }
  // Both sides idle on a machine whose cores were busy: they waited for a core, not the link.
  const machine = measures.machine;
  const starved = machine !== undefined && machine.load >= machine.cores
    ? `; the machine was busy: load ${machine.load.toFixed(1)} on ${machine.cores} cores`
    : "";
  return {
    ...base,
    kind: "latency-bound",
    summary: `latency-bound (neither side busy: the busiest server ${busiest.address} used ${
      cores(busiest.cpu)
    } of a core, the client ${client}${starved})`,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Reads a number field of a parsed INFO reply (0 when absent). */
function field(info: Record<string, string>, name: string): number | undefined {
  const value = info[name];
  return value === undefined ? undefined : Number(value);
}

/** Samples a running fill once a second; see the module's documentation. */
export class FillSampler {
  readonly #transport: Transport;
  readonly #intervalMs: number;
  readonly #onThroughput: ((mibPerSecond: number) => void) | undefined;
  readonly #readInfo: boolean;
  #snapshot: ProgressSnapshot | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #startedAt = 0;
  #cpuAtStart = 0;
  #first = new Map<string, ServerReading>();
  #last = new Map<string, ServerReading>();
  #unavailable: string | undefined;
  #reading: Promise<void> | undefined;

  /**
   * Makes a sampler for a fill through a transport.
   *
   * @param transport The connected transport the fill writes through.
   * @param options Interval, the throughput callback and whether to read INFO.
   */
  constructor(transport: Transport, options: FillSamplerOptions = {}) {
    this.#transport = transport;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#onThroughput = options.onThroughput;
    this.#readInfo = options.readInfo !== false;
    if (!this.#readInfo) this.#unavailable = "INFO is not read through a proxy";
  }

  /**
   * The progress reporter to hand the fill: it passes every snapshot on and keeps the last.
   *
   * @param progress The reporter to pass snapshots to, if any.
   * @returns A reporter.
   */
  wrap(progress: ProgressReporter | undefined): ProgressReporter {
    return {
      update: (snapshot) => {
        this.#snapshot = snapshot;
        progress?.update(snapshot);
      },
      done: () => progress?.done(),
    };
  }

  /** Takes the first sample and starts the once-a-second ones. */
  async start(): Promise<void> {
    this.#startedAt = performance.now();
    this.#cpuAtStart = cpuSeconds();
    await this.#readServers();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
  }

  #tick(): void {
    const snapshot = this.#snapshot;
    if (snapshot !== undefined && snapshot.elapsedMs > 0) {
      this.#onThroughput?.(snapshot.bytes / 1024 / 1024 / (snapshot.elapsedMs / 1000));
    }
    this.#reading ??= this.#readServers().finally(() => (this.#reading = undefined));
  }

  /**
   * Stops sampling, takes the last sample and returns what was measured.
   *
   * @returns The client's and the servers' CPU over the fill.
   */
  async stop(): Promise<LimitMeasures> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const clientSeconds = cpuSeconds() - this.#cpuAtStart;
    const wall = (performance.now() - this.#startedAt) / 1000;
    await this.#reading;
    await this.#readServers();
    const servers: FillLimitServer[] = [];
    for (const [address, first] of this.#first) {
      const last = this.#last.get(address);
      const seconds = last === undefined ? 0 : (last.at - first.at) / 1000;
      if (last === undefined || seconds <= 0) continue;
      servers.push({
        address,
        cpu: round((last.cpuSeconds - first.cpuSeconds) / seconds),
        inputMibPerSecond: round((last.inputBytes - first.inputBytes) / 1024 / 1024 / seconds),
        opsPerSecond: Math.round((last.commands - first.commands) / seconds),
      });
    }
    return {
      clientCpu: wall > 0 ? clientSeconds / wall : 0,
      machine: { load: Deno.loadavg()[0] ?? 0, cores: navigator.hardwareConcurrency },
      ...(servers.length > 0 ? { servers } : {}),
      ...(servers.length === 0
        ? { unavailable: this.#unavailable ?? "INFO gave no CPU counters" }
        : {}),
    };
  }

  async #readServers(): Promise<void> {
    if (!this.#readInfo || this.#unavailable !== undefined) return;
    let cpu: NodeReply[];
    let stats: NodeReply[];
    try {
      [cpu, stats] = await Promise.all([
        this.#transport.callEachMaster(["INFO", "cpu"]),
        this.#transport.callEachMaster(["INFO", "stats"]),
      ]);
    } catch (error) {
      // An ACL without +info, a proxy: the servers' side stays unknown, and the report says why.
      const reason = error instanceof Error ? error.message : String(error);
      if (this.#first.size === 0) {
        this.#unavailable = `INFO is not available (${reason.replace(/\s+/g, " ").slice(0, 120)})`;
      }
      return;
    }
    const at = performance.now();
    for (const { node, reply } of cpu) {
      const address = formatAddress(node.host, node.port);
      const info = parseInfo(String(reply));
      const statsReply = stats.find((entry) => entry.node.id === node.id)?.reply;
      const counters = parseInfo(String(statsReply ?? ""));
      const user = field(info, "used_cpu_user_main_thread") ?? field(info, "used_cpu_user");
      const sys = field(info, "used_cpu_sys_main_thread") ?? field(info, "used_cpu_sys");
      if (user === undefined || sys === undefined) continue;
      const reading = {
        address,
        at,
        cpuSeconds: user + sys,
        inputBytes: field(counters, "total_net_input_bytes") ?? 0,
        commands: field(counters, "total_commands_processed") ?? 0,
      };
      if (!this.#first.has(address)) this.#first.set(address, reading);
      this.#last.set(address, reading);
    }
  }
}
