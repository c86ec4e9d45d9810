/**
 * The benchmark report: what `deno task bench` writes to `bench/results/latest.json`
 * (schema `redfill-bench/1`, described in `bench/README.md`), and the arithmetic that turns
 * rounds of runs into medians and ratios.
 *
 * @module
 */

import type { MicroResult } from "./_micro.ts";
import type { ShapesMacroResult } from "./shapes_macro.ts";

/** The schema id written into every report. */
export const REPORT_SCHEMA = "redfill-bench/1";

// Throughput is reported in MiB/s and CPU cost in seconds per GiB: the units of lib/units.ts,
// which every output of redfill uses.
export { GIB, MIB } from "../lib/units.ts";

/** The macro cases, in the order each round runs them. */
export const CASE_IDS = ["ceiling", "standalone", "cluster-3x0", "cluster-3x3", "tls"] as const;

/** A macro case id. */
export type CaseId = typeof CASE_IDS[number];

/** What a macro case is. */
export interface CaseInfo {
  /** The id. */
  id: CaseId;
  /** One line for tables. */
  label: string;
  /** Pre-generated buffer over one socket, or the real fill. */
  kind: "ceiling" | "fill";
  /** Standalone or cluster. */
  mode: "standalone" | "cluster";
  /** Whether the connection is TLS. */
  tls: boolean;
  /** Masters. */
  masters: number;
  /** Replicas per master. */
  replicas: number;
  /** Writers per master (`null`: the fill's default). */
  connections: number | null;
}

/** One run of one case in one round. */
export interface RunResult {
  /** The case. */
  case: CaseId;
  /** The round, from 1. */
  round: number;
  /** Keys sent. */
  keys: number;
  /** Bytes of keys and values sent. */
  bytes: number;
  /** Keys the masters held afterwards (DBSIZE; `null` for the ceiling). */
  dbsize: number | null;
  /** Wall time in milliseconds. */
  durationMs: number;
  /** bytes / duration, in MiB/s. */
  mibPerSecond: number;
  /** Client CPU seconds (user + system) during the run. */
  clientCpuSeconds: number;
  /** Client CPU seconds per GiB of keys and values. */
  clientCpuPerGib: number;
  /** Peak RSS of the process that ran the case, in bytes. */
  peakRssBytes: number;
  /** used_cpu_sys + used_cpu_user deltas summed over the masters. */
  serverCpuSeconds: number;
  /** Server (masters) CPU seconds per GiB. */
  serverCpuPerGib: number;
  /** The same deltas summed over the replicas (0 without replicas). */
  replicaCpuSeconds: number;
  /** The machine's 1-minute load average when the run started. */
  loadAverage1m: number;
}

/** What verify is measured doing after a fill: the exact count, or reading every key back. */
export const VERIFY_MODES = ["count", "full"] as const;

/** A verify mode of the benchmark. */
export type VerifyMode = typeof VERIFY_MODES[number];

/** The fill cases after which verify is measured, on the data they wrote. */
export const VERIFY_CASES: readonly CaseId[] = ["standalone", "cluster-3x0"];

/** One verify run, right after the fill run of the same case and round. */
export interface VerifyRunResult {
  /** The fill case whose data it checked. */
  case: CaseId;
  /** The round, from 1. */
  round: number;
  /** `count`: exact count (and the default 1000 sampled values); `full`: every key read back. */
  mode: VerifyMode;
  /** Keys checked (N). */
  keys: number;
  /** Wall time of verifyFill in milliseconds. */
  durationMs: number;
  /** keys / duration. */
  keysPerSecond: number;
  /** Seconds per GiB of keys and values filled. */
  secondsPerGib: number;
  /** durationMs ÷ the fill run's durationMs: the target is ≤ 0.25 (count) and ≤ 1.0 (full). */
  fillRatio: number;
  /** Client CPU seconds during verifyFill. */
  clientCpuSeconds: number;
  /** Peak RSS of the process that ran it, in bytes. */
  peakRssBytes: number;
  /** Whether verify passed (a failed verify voids the measurement). */
  ok: boolean;
}

/** The medians of one verify mode after one case, over all rounds. */
export interface VerifyMedians {
  /** The fill case. */
  case: CaseId;
  /** The mode. */
  mode: VerifyMode;
  /** Keys per second. */
  keysPerSecond: number;
  /** Seconds per GiB filled. */
  secondsPerGib: number;
  /** Verify time ÷ fill time. */
  fillRatio: number;
  /** Client CPU seconds. */
  clientCpuSeconds: number;
  /** Peak RSS in bytes. */
  peakRssBytes: number;
}

/**
 * The medians of each verify mode after each case.
 *
 * @param runs Every verify run.
 * @returns One entry per case and mode that ran, in case then mode order.
 */
export function verifyMedians(runs: readonly VerifyRunResult[]): VerifyMedians[] {
  const out: VerifyMedians[] = [];
  for (const id of VERIFY_CASES) {
    for (const mode of VERIFY_MODES) {
      const mine = runs.filter((run) => run.case === id && run.mode === mode);
      if (mine.length === 0) continue;
      const pick = (f: (run: VerifyRunResult) => number) => median(mine.map(f));
      out.push({
        case: id,
        mode,
        keysPerSecond: pick((run) => run.keysPerSecond),
        secondsPerGib: pick((run) => run.secondsPerGib),
        fillRatio: pick((run) => run.fillRatio),
        clientCpuSeconds: pick((run) => run.clientCpuSeconds),
        peakRssBytes: pick((run) => run.peakRssBytes),
      });
    }
  }
  return out;
}

/** The medians of one case over all rounds. */
export interface CaseMedians {
  /** MiB/s. */
  mibPerSecond: number;
  /** Smallest MiB/s of any round. */
  minMibPerSecond: number;
  /** Largest MiB/s of any round. */
  maxMibPerSecond: number;
  /** Client CPU seconds per GiB. */
  clientCpuPerGib: number;
  /** Peak RSS in bytes. */
  peakRssBytes: number;
  /** Server (masters) CPU seconds per GiB. */
  serverCpuPerGib: number;
  /** Replica CPU seconds in all. */
  replicaCpuSeconds: number;
}

/** A ratio between two cases: the median of the per-round ratios. */
export interface Ratio {
  /** Stable id, used in `bench/thresholds.json`, e.g. `"standalone/ceiling.throughput"`. */
  id: string;
  /** One line for people. */
  description: string;
  /** The median of `perRound`. */
  value: number;
  /** The ratio in each round (runs of one round are interleaved, so they pair up). */
  perRound: number[];
}

/** The whole report. */
export interface BenchReport {
  /** Always {@linkcode REPORT_SCHEMA}. */
  schema: typeof REPORT_SCHEMA;
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** Seconds the whole run took. */
  totalSeconds: number;
  /** Where it ran. */
  machine: {
    hostname: string;
    os: string;
    arch: string;
    cpuModel: string;
    /** Online CPUs (`nproc`). */
    cores: number;
    memoryBytes: number;
    /** 1/5/15-minute load averages at the start and at the end. */
    loadAverage: { start: number[]; end: number[] };
  };
  /** Software versions. */
  versions: { deno: string; v8: string; typescript: string; redis: string | null };
  /** What was asked for. */
  parameters: {
    sizeBytes: number;
    keySize: number;
    valueSize: number;
    keys: number;
    seed: number;
    rounds: number;
    connections: number | null;
    batchBytes: number | null;
  };
  /** The macro benchmark, when it ran. */
  macro: {
    cases: CaseInfo[];
    runs: RunResult[];
    medians: Partial<Record<CaseId, CaseMedians>>;
    ratios: Ratio[];
    /** Verify after the standalone and 3-master fills (empty with `--no-verify`). */
    verify: { runs: VerifyRunResult[]; medians: VerifyMedians[] };
  } | null;
  /** The micro benchmarks, when they ran. */
  micro: MicroResult[] | null;
  /**
   * The per-type macro benchmark (`--shapes`), when it ran; `null` otherwise. Reports written
   * before it existed have no such key: read a missing one as `null`.
   */
  shapes?: ShapesMacroResult | null;
  /** The gate, when `--check` ran. */
  check: CheckOutcome | null;
}

/**
 * A threshold from `bench/thresholds.json`: an expression as a pipeline's `thresholds:` write
 * it (`">= 0.85"`, `"<= 1.25"`; lib/thresholds.ts), or the older `min`/`max` bounds, read as
 * `>= min` and `<= max`.
 */
export interface Threshold {
  /** The ratio id. */
  ratio: string;
  /** The expression the ratio must pass, e.g. `>= 0.85`. */
  threshold?: string | undefined;
  /** The ratio must be at least this (`>= min`). */
  min?: number | undefined;
  /** The ratio must be at most this (`<= max`). */
  max?: number | undefined;
  /** Why this bound. */
  note?: string | undefined;
}

/** A threshold a ratio crossed. */
export interface CrossedThreshold {
  /** The ratio id. */
  ratio: string;
  /** The measured value. */
  value: number;
  /** `min` for `>`/`>=`, `max` for `<`/`<=`, `exact` for `==`/`!=`. */
  bound: "min" | "max" | "exact";
  /** The bound's value. */
  limit: number;
  /** The expression crossed, as the report shows it (`>= 0.85`). */
  expression: string;
  /** One line: `✗ standalone/ceiling.throughput >= 0.85: observed 0.83 (…)`. */
  message: string;
}

/** One expression checked, as every threshold result is shown (lib/thresholds.ts). */
export interface CheckedThreshold {
  /** The ratio id. */
  metric: string;
  /** The expression, as shown (`>= 0.85`). */
  expression: string;
  /** Whether the ratio passed it. */
  ok: boolean;
  /** The ratio as shown, or `not measured`. */
  observedText: string;
}

/** The gate's verdict. */
export interface CheckOutcome {
  /** The thresholds file. */
  file: string;
  /** Thresholds checked. */
  checked: number;
  /** Thresholds crossed; empty means passed. */
  crossed: CrossedThreshold[];
  /** Every expression checked, passed or not, in file order. */
  results?: CheckedThreshold[] | undefined;
  /** Thresholds not judged, because a case their ratio needs was not run (`--cases`). */
  skipped: SkippedThreshold[];
}

/** A threshold `--check` did not judge. */
export interface SkippedThreshold {
  /** The ratio id. */
  ratio: string;
  /** The cases it needs that were not run (`verify` for a verify ratio under `--no-verify`). */
  missing: Array<CaseId | "verify">;
}

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @param values The numbers.
 * @returns The median, or NaN for none.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The medians of each case over its runs.
 *
 * @param runs Every run.
 * @returns Medians by case, for the cases that ran.
 */
export function caseMedians(runs: readonly RunResult[]): Partial<Record<CaseId, CaseMedians>> {
  const medians: Partial<Record<CaseId, CaseMedians>> = {};
  for (const id of CASE_IDS) {
    const mine = runs.filter((run) => run.case === id);
    if (mine.length === 0) continue;
    const pick = (f: (run: RunResult) => number) => median(mine.map(f));
    medians[id] = {
      mibPerSecond: pick((run) => run.mibPerSecond),
      minMibPerSecond: Math.min(...mine.map((run) => run.mibPerSecond)),
      maxMibPerSecond: Math.max(...mine.map((run) => run.mibPerSecond)),
      clientCpuPerGib: pick((run) => run.clientCpuPerGib),
      peakRssBytes: pick((run) => run.peakRssBytes),
      serverCpuPerGib: pick((run) => run.serverCpuPerGib),
      replicaCpuSeconds: pick((run) => run.replicaCpuSeconds),
    };
  }
  return medians;
}

/** How a ratio is computed: which case over which, on which metric. */
export interface RatioSpec {
  /** The ratio id, as thresholds name it. */
  id: string;
  /** What it divides, in words. */
  description: string;
  /** The case on top. */
  numerator: CaseId;
  /** The case below. */
  denominator: CaseId;
  /** The metric divided. */
  metric: "mibPerSecond" | "clientCpuPerGib";
}

/** Every ratio the macro benchmark computes. */
export const RATIO_SPECS: readonly RatioSpec[] = [
  {
    id: "standalone/ceiling.throughput",
    description: "standalone fill MiB/s ÷ raw ceiling MiB/s",
    numerator: "standalone",
    denominator: "ceiling",
    metric: "mibPerSecond",
  },
  {
    id: "cluster-3x0/standalone.throughput",
    description: "cluster 3 masters MiB/s ÷ standalone MiB/s",
    numerator: "cluster-3x0",
    denominator: "standalone",
    metric: "mibPerSecond",
  },
  {
    id: "cluster-3x0/standalone.client-cpu",
    description: "cluster 3 masters client CPU/GiB ÷ standalone client CPU/GiB",
    numerator: "cluster-3x0",
    denominator: "standalone",
    metric: "clientCpuPerGib",
  },
  {
    id: "cluster-3x3/standalone.throughput",
    description: "cluster 3+3 MiB/s ÷ standalone MiB/s",
    numerator: "cluster-3x3",
    denominator: "standalone",
    metric: "mibPerSecond",
  },
  {
    id: "cluster-3x3/standalone.client-cpu",
    description: "cluster 3+3 client CPU/GiB ÷ standalone client CPU/GiB",
    numerator: "cluster-3x3",
    denominator: "standalone",
    metric: "clientCpuPerGib",
  },
  {
    id: "tls/standalone.throughput",
    description: "TLS standalone MiB/s ÷ plaintext standalone MiB/s",
    numerator: "tls",
    denominator: "standalone",
    metric: "mibPerSecond",
  },
  {
    id: "tls/standalone.client-cpu",
    description: "TLS standalone client CPU/GiB ÷ plaintext client CPU/GiB",
    numerator: "tls",
    denominator: "standalone",
    metric: "clientCpuPerGib",
  },
];

/** The id of the ratio of a verify mode's time to the fill's, after a case. */
function verifyRatioId(mode: VerifyMode, id: CaseId): string {
  return `verify-${mode}/${id}.time`;
}

/** Every ratio id a report can hold (the names `bench/thresholds.json` may use). */
export const RATIO_IDS: readonly string[] = [
  ...RATIO_SPECS.map((spec) => spec.id),
  ...VERIFY_CASES.flatMap((id) => VERIFY_MODES.map((mode) => verifyRatioId(mode, id))),
];

/**
 * The cases a ratio needs: its numerator and denominator, or the fill case a verify ratio
 * measures after.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { ratioCases } from "./results.ts";
 * deepEqual(ratioCases("tls/standalone.throughput"), ["tls", "standalone"]);
 * deepEqual(ratioCases("verify-count/cluster-3x0.time"), ["cluster-3x0"]);
 * ```
 *
 * @param id A ratio id.
 * @returns The cases (none for an unknown id).
 */
export function ratioCases(id: string): CaseId[] {
  const spec = RATIO_SPECS.find((candidate) => candidate.id === id);
  if (spec !== undefined) return [spec.numerator, spec.denominator];
  return VERIFY_CASES.filter((caseId) =>
    VERIFY_MODES.some((mode) => verifyRatioId(mode, caseId) === id)
  );
}

/**
 * Whether a ratio measures verify (it needs verify to have run).
 *
 * @param id A ratio id.
 * @returns True for `verify-count/…` and `verify-full/…`.
 */
export function isVerifyRatio(id: string): boolean {
  return id.startsWith("verify-");
}

/**
 * The ratios of verify's time to the fill's (`verify-count/standalone.time`, …): in each round
 * the verify run over the fill run it checked, then the median over the rounds.
 *
 * @param runs Every verify run.
 * @returns The ratios, for the cases and modes that ran.
 */
export function verifyRatios(runs: readonly VerifyRunResult[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const id of VERIFY_CASES) {
    for (const mode of VERIFY_MODES) {
      const perRound = runs.filter((run) => run.case === id && run.mode === mode)
        .sort((a, b) => a.round - b.round).map((run) => run.fillRatio);
      if (perRound.length === 0) continue;
      ratios.push({
        id: verifyRatioId(mode, id),
        description: `verify (${
          mode === "count" ? "exact count" : "every key read back"
        }) time ÷ ${id} fill time`,
        value: median(perRound),
        perRound,
      });
    }
  }
  return ratios;
}

/**
 * The ratios between cases: in each round the numerator's run over the denominator's run of
 * the same round, then the median over the rounds. A ratio whose cases did not both run is
 * left out.
 *
 * @param runs Every run.
 * @returns The ratios.
 */
export function computeRatios(runs: readonly RunResult[]): Ratio[] {
  const rounds = [...new Set(runs.map((run) => run.round))].sort((a, b) => a - b);
  const ratios: Ratio[] = [];
  for (const spec of RATIO_SPECS) {
    const perRound: number[] = [];
    for (const round of rounds) {
      const top = runs.find((run) => run.round === round && run.case === spec.numerator);
      const bottom = runs.find((run) => run.round === round && run.case === spec.denominator);
      if (top && bottom && bottom[spec.metric] > 0) {
        perRound.push(top[spec.metric] / bottom[spec.metric]);
      }
    }
    if (perRound.length === 0) continue;
    ratios.push({
      id: spec.id,
      description: spec.description,
      value: median(perRound),
      perRound,
    });
  }
  return ratios;
}
