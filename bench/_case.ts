/**
 * One macro-benchmark run in a fresh process: `deno run -A bench/_case.ts '<CaseSpec JSON>'`
 * prints one {@linkcode CaseOutput} JSON line on stdout.
 *
 * Each run gets its own process so that its peak RSS (VmHWM) is its own: the ceiling's
 * pre-generated buffer, or an earlier run's sockets, never inflate the number of another. A
 * verify run checks the keys the fill run before it left on the servers.
 *
 * @module
 */

import { runFill } from "../lib/fill/fill.ts";
import { cpuSeconds, peakRssBytes } from "../lib/fill/process_stats.ts";
import { ClusterTransport } from "../lib/transport/cluster.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import type { KeyspaceParams, Logger, Target, Transport } from "../lib/types.ts";
import { declaredFill, verifyFill } from "../lib/verify/verify.ts";
import { generateCeiling, streamCeiling } from "./ceiling.ts";

/** What the parent asks a run to do. */
export interface CaseSpec {
  /**
   * `ceiling`: stream a pre-generated buffer; `fill`: run the real fill; `verify-count` and
   * `verify-full`: verify a fill of the keyspace that is already there (exact count with the
   * default sample, or every key read back).
   */
  kind: "ceiling" | "fill" | "verify-count" | "verify-full";
  /** The target (host, port, mode, TLS). */
  target: Target;
  /** The keyspace. */
  keyspace: KeyspaceParams;
  /** Writers per master (fill only; default: the fill's own). */
  connections?: number | undefined;
  /** Bytes per batch buffer (fill only; default: the fill's own). */
  batchBytes?: number | undefined;
}

/** What a run measured, printed as one JSON line. */
export interface CaseOutput {
  /** Keys sent. */
  keys: number;
  /** Bytes of keys and values sent. */
  bytes: number;
  /** Wall time of the run in milliseconds (ceiling: first byte to barrier reply). */
  durationMs: number;
  /** Client CPU seconds during the run. */
  cpuSeconds: number;
  /** The process's peak RSS (VmHWM) in bytes. */
  peakRssBytes: number;
  /** Seconds spent pre-generating the ceiling's buffer (not part of `durationMs`). */
  generateSeconds?: number;
  /** Keys the servers hold after the run (DBSIZE summed over masters; fill only). */
  dbsize?: number;
  /** Whether verify passed (verify only). */
  ok?: boolean;
}

const quiet: Logger = {
  debug() {},
  info() {},
  warn(message) {
    console.error(message);
  },
};

async function runCase(spec: CaseSpec): Promise<CaseOutput> {
  const keyValueBytes = spec.keyspace.keySize + spec.keyspace.valueSize;
  if (spec.kind === "ceiling") {
    const generating = performance.now();
    const payload = generateCeiling(spec.keyspace);
    const generateSeconds = (performance.now() - generating) / 1000;
    const result = await streamCeiling(spec.target, payload, keyValueBytes);
    return {
      keys: result.keys,
      bytes: result.bytes,
      durationMs: result.durationMs,
      cpuSeconds: result.cpuSeconds,
      peakRssBytes: peakRssBytes(),
      generateSeconds,
    };
  }
  const init = { target: spec.target, logger: quiet };
  const transport: Transport = spec.target.mode === "cluster"
    ? new ClusterTransport(init)
    : new StandaloneTransport(init);
  try {
    await transport.connect();
    if (spec.kind === "verify-count" || spec.kind === "verify-full") {
      return await runVerify(transport, spec);
    }
    const result = await runFill(transport, {
      keyspace: spec.keyspace,
      connections: spec.connections,
      batchBytes: spec.batchBytes,
      logger: quiet,
    });
    return {
      keys: result.keys,
      bytes: result.bytes,
      durationMs: result.durationMs,
      cpuSeconds: result.cpuSeconds,
      peakRssBytes: result.peakRssBytes,
      dbsize: result.nodes.reduce((sum, node) => sum + (node.dbsize ?? 0), 0),
    };
  } finally {
    await transport.close();
  }
}

async function runVerify(transport: Transport, spec: CaseSpec): Promise<CaseOutput> {
  const fill = declaredFill(spec.keyspace, { flushed: true, written: true });

  const cpu = cpuSeconds();
  const started = performance.now();
  const result = await verifyFill(transport, fill, {
    count: "exact",
    content: spec.kind === "verify-full" ? "full" : "sample",
    commandTimeoutMs: spec.target.commandTimeoutMs,
  });
  return {
    keys: result.checkedKeys ?? 0,
    bytes: fill.bytes,
    durationMs: performance.now() - started,
    cpuSeconds: cpuSeconds() - cpu,
    peakRssBytes: peakRssBytes(),
    ok: result.ok,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0] ?? "{}") as CaseSpec;
  const output = await runCase(spec);
  console.log(JSON.stringify(output));
  Deno.exit(0);
}
