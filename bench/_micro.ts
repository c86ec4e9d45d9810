/**
 * The shape every `bench/*_bench.ts` file shares: groups of tinybench cases, one marked as the
 * baseline, each reporting a rate in the group's unit (MiB/s, million keys/s …).
 *
 * @module
 */

import { Bench } from "tinybench";

/** One case of a group. */
export interface MicroCase {
  /** What is measured, e.g. `"BatchEncoder.fill"`. */
  name: string;
  /** The reference the other cases of the group are compared with. */
  baseline?: boolean;
  /** Units of work one call does, in the group's unit (e.g. MiB written). */
  unitsPerOp: number;
  /** One call. */
  fn: () => void;
}

/** A group of cases measured in one unit. */
export interface MicroGroup {
  /** Group name, e.g. `"RESP batch (8 MiB buffer)"`. */
  group: string;
  /** The rate's unit, e.g. `"MiB/s"` or `"M keys/s"`. */
  unit: string;
  /** The cases; exactly one is the baseline. */
  cases: MicroCase[];
}

/** What one case measured. */
export interface MicroResult {
  /** The group. */
  group: string;
  /** The case. */
  name: string;
  /** Whether it is the group's baseline. */
  baseline: boolean;
  /** The unit of `rate`. */
  unit: string;
  /** Units per second, from the mean time per call. */
  rate: number;
  /** Mean milliseconds per call. */
  meanMs: number;
  /** Median milliseconds per call. */
  p50Ms: number;
  /** Relative margin of error of the mean, in percent. */
  rmePercent: number;
  /** Calls measured. */
  samples: number;
  /** `rate` divided by the baseline's rate. */
  vsBaseline: number;
}

/** Options for {@linkcode runMicroGroups}. */
export interface RunMicroOptions {
  /** Milliseconds per case (default 500). */
  timeMs?: number;
}

/**
 * Runs groups with tinybench and returns a rate per case.
 *
 * @param groups The groups.
 * @param options Time per case.
 * @returns One result per case, in order.
 * @throws {Error} when a case throws or a group has no single baseline.
 */
export async function runMicroGroups(
  groups: readonly MicroGroup[],
  options: RunMicroOptions = {},
): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  for (const group of groups) {
    if (group.cases.filter((c) => c.baseline).length !== 1) {
      throw new Error(`Micro group "${group.group}" needs exactly one baseline case`);
    }
    const bench = new Bench({
      name: group.group,
      time: options.timeMs ?? 500,
      warmupTime: 100,
      throws: true,
    });
    for (const c of group.cases) bench.add(c.name, c.fn);
    await bench.run();
    const rows: MicroResult[] = group.cases.map((c) => {
      const result = bench.getTask(c.name)?.result;
      if (!result || !("latency" in result)) {
        throw new Error(`Micro case "${group.group} / ${c.name}" did not complete`);
      }
      const meanMs = result.latency.mean;
      return {
        group: group.group,
        name: c.name,
        baseline: c.baseline === true,
        unit: group.unit,
        rate: c.unitsPerOp / (meanMs / 1000),
        meanMs,
        p50Ms: result.latency.p50,
        rmePercent: result.latency.rme,
        samples: result.latency.samplesCount,
        vsBaseline: 0,
      };
    });
    const base = rows.find((row) => row.baseline)!;
    for (const row of rows) row.vsBaseline = row.rate / base.rate;
    results.push(...rows);
  }
  return results;
}

/**
 * Prints micro results as plain aligned lines (for running one `*_bench.ts` file directly).
 *
 * @param results The results.
 */
export function printMicro(results: readonly MicroResult[]): void {
  let group = "";
  for (const row of results) {
    if (row.group !== group) {
      group = row.group;
      console.log(`\n${group}`);
    }
    console.log(
      `  ${(row.baseline ? "* " : "  ") + row.name.padEnd(44)} ${
        row.rate.toFixed(row.rate >= 100 ? 0 : 2).padStart(9)
      } ${row.unit.padEnd(12)} ${row.vsBaseline.toFixed(2)}× baseline  ±${
        row.rmePercent.toFixed(1)
      }%`,
    );
  }
}
