/**
 * One macro-benchmark run in a fresh process: `deno run -A bench/_case.ts '<CaseSpec JSON>'`
 * prints one {@linkcode CaseOutput} JSON line on stdout.
 *
 * Each run gets its own process so that its peak RSS (VmHWM) is its own: the ceiling's
 * pre-generated buffer, or an earlier run's sockets, never inflate the number of another.
 *
 * @module
 */

import { runFill } from "../lib/fill/fill.ts";
import { peakRssBytes } from "../lib/fill/process_stats.ts";
import { ClusterTransport } from "../lib/transport/cluster.ts";
import { StandaloneTransport } from "../lib/transport/standalone.ts";
import type { KeyspaceParams, Logger, Target, Transport } from "../lib/types.ts";
import { generateCeiling, streamCeiling } from "./ceiling.ts";

/** What the parent asks a run to do. */
export interface CaseSpec {
  /** `ceiling`: stream a pre-generated buffer; `fill`: run the real fill. */
  kind: "ceiling" | "fill";
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

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0] ?? "{}") as CaseSpec;
  const output = await runCase(spec);
  console.log(JSON.stringify(output));
  Deno.exit(0);
}
