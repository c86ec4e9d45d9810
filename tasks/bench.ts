/**
 * `redfill bench` (and `deno task bench`): the micro-benchmarks (tinybench) and the macro benchmark (the raw ceiling
 * and the fills on local standalone, cluster and TLS servers, and verify after them), printed as tables, written as
 * JSON (`bench/results/latest.json`) and Markdown (appended to `$GITHUB_STEP_SUMMARY` when set).
 *
 * `--shapes [types]` adds the per-type macro benchmark (bench/shapes_macro.ts: each data type's fill
 * beside its own raw ceiling on a local standalone server); alone it runs only that. Its rows go
 * into the report's `shapes` key; no threshold judges them.
 *
 * `--check` gates on the ratios in `bench/thresholds.json`: exit 1 naming every crossed
 * threshold with its measured value. Only the ratios of the cases that ran are judged: with
 * `--cases ceiling,standalone` the cluster and TLS thresholds are skipped, and the verdict says
 * which. Bad flags: one sentence, exit 2.
 *
 * @module
 */

import { Option } from "@commander-js/extra-typings";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, UsageError } from "../lib/errors.ts";
import { type CommandContext, inProcessContext } from "../lib/cli/command.ts";
import { reportError } from "../lib/cli/errors.ts";
import { createProgram, parseProgram } from "../lib/cli/usage.ts";
import { parseSize } from "../lib/units.ts";
import { keyCount } from "../lib/fill/keyspace.ts";
import { checkFailure, checkRatios, loadThresholds } from "../bench/check.ts";
import { keyspaceGroups } from "../bench/keyspace_bench.ts";
import { runMacro } from "../bench/macro.ts";
import { renderMarkdown, renderTerminal } from "../bench/render.ts";
import { respGroups } from "../bench/resp_bench.ts";
import { shapeGroups } from "../bench/shapes_bench.ts";
import { runShapesMacro, SHAPE_TYPES } from "../bench/shapes_macro.ts";
import {
  type BenchReport,
  CASE_IDS,
  type CaseId,
  caseMedians,
  computeRatios,
  REPORT_SCHEMA,
  type Threshold,
  verifyMedians,
  verifyRatios,
} from "../bench/results.ts";
import { runMicroGroups } from "../bench/_micro.ts";
import { slotTagGroups } from "../bench/slot_tags_bench.ts";

/**
 * The project folder: the benchmark starts its cases as files and writes `bench/results/`, so
 * it runs from a local copy of redfill only.
 */
function projectRoot(): string {
  const root = new URL("../", import.meta.url);
  if (root.protocol !== "file:") {
    throw new UsageError(
      `redfill bench runs from a local copy of redfill (this one runs from "${root.href}"): clone it and run "deno task bench"`,
    );
  }
  return fileURLToPath(root);
}

interface BenchFlags {
  size: string;
  keySize: string;
  valueSize: string;
  seed: string;
  rounds: string;
  connections?: string;
  batch?: string;
  cases?: string;
  micro?: true;
  macro?: true;
  shapes?: true | string;
  microTime: string;
  json: string;
  markdown?: string;
  check?: true;
  thresholds: string;
  verify: boolean;
}

function integer(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(
      `Invalid ${flag} "${value}": expected a whole number from ${min} to ${max}`,
    );
  }
  return number;
}

/**
 * The program of `redfill bench`, in the shared usage style.
 *
 * @param context The command's name and version.
 * @returns The program.
 */
export function benchProgram(context: Pick<CommandContext, "name" | "version">) {
  const root = projectRoot();
  return createProgram({
    name: context.name,
    description:
      "Micro and macro benchmarks: the raw ceiling vs standalone, cluster and TLS fills on local\n" +
      "servers, as ratios; --check gates on the thresholds.",
    exitCodes: [
      ExitCode.Ok,
      ExitCode.CheckFailed,
      ExitCode.Usage,
      ExitCode.Internal,
      ExitCode.Interrupted,
    ],
    examples: [
      ["--macro --size 1GiB", "the macro benchmark, 1 GiB per run, 3 rounds"],
      ["--macro --check --size 128MB --rounds 5", "the CI gate"],
      [
        "--shapes --size 64MiB --rounds 3",
        "only the per-type macro: each data type vs its ceiling",
      ],
    ],
    version: context.version,
  })
    .option(
      "--size <size>",
      "bytes of keys and values per macro run (KB/MB/GB, powers of 1024)",
      "256MiB",
    )
    .option("--key-size <bytes>", "key size", "512")
    .option("--value-size <bytes>", "value size", "512")
    .option("--seed <n>", "keyspace seed", "1")
    .option("--rounds <n>", "interleaved rounds; medians are reported", "3")
    .addOption(
      new Option("--connections <n>", "writers per master for every fill")
        .default(undefined, "the fill's own"),
    )
    .addOption(
      new Option("--batch <size>", "batch buffer bytes for every fill")
        .default(undefined, "the fill's own"),
    )
    .addOption(
      new Option("--cases <ids>", "macro cases to run, comma-separated")
        .default(undefined, `all: ${CASE_IDS.join(",")}`),
    )
    .option(
      "--no-verify",
      "skip verify (exact count, every key read back) after the standalone and 3-master fills",
    )
    .option("--micro", "run only the micro-benchmarks (and --shapes, if given)")
    .option("--macro", "run only the macro benchmark (and --shapes, if given)")
    .addOption(
      new Option(
        "--shapes [types]",
        "also run the per-type macro: each data type's fill vs its own raw ceiling, 64 B keys; " +
          "alone, only it; types comma-separated",
      ).default(undefined, `none; given bare: ${SHAPE_TYPES.join(",")}`),
    )
    .option("--micro-time <ms>", "milliseconds per micro case", "500")
    .addOption(
      new Option("--json <path>", "where to write the JSON report")
        .default(`${root}bench/results/latest.json`, "bench/results/latest.json"),
    )
    .option("--markdown <path>", "also write the Markdown report here")
    .option("--check", "exit 1 when a measured ratio crosses a threshold (others are skipped)")
    .addOption(
      new Option("--thresholds <path>", "thresholds file for --check")
        .default(`${root}bench/thresholds.json`, "bench/thresholds.json"),
    );
}

/** The shipped thresholds file. */
function defaultThresholds(): string {
  return `${projectRoot()}bench/thresholds.json`;
}

function parseCases(text: string): CaseId[] {
  const ids = text.split(",").map((id) => id.trim()).filter(Boolean);
  for (const id of ids) {
    if (!(CASE_IDS as readonly string[]).includes(id)) {
      throw new UsageError(`Unknown case "${id}" in --cases: use ${CASE_IDS.join(", ")}`);
    }
  }
  if (ids.length === 0) {
    throw new UsageError(`Empty --cases: name at least one of ${CASE_IDS.join(", ")}`);
  }
  // Keep the round order fixed whatever order the flag lists them in.
  return CASE_IDS.filter((id) => ids.includes(id));
}

function parseShapes(value: true | string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === true) return [...SHAPE_TYPES];
  const types = value.split(",").map((type) => type.trim()).filter(Boolean);
  for (const type of types) {
    if (!SHAPE_TYPES.includes(type)) {
      throw new UsageError(`Unknown type "${type}" in --shapes: use ${SHAPE_TYPES.join(", ")}`);
    }
  }
  if (types.length === 0) {
    throw new UsageError(`Empty --shapes: name at least one of ${SHAPE_TYPES.join(", ")}`);
  }
  return SHAPE_TYPES.filter((type) => types.includes(type));
}

function machine(start: number[]): BenchReport["machine"] {
  let cpuModel = "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ??
      cpuModel;
  } catch {
    // not Linux
  }
  return {
    hostname: Deno.hostname(),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    arch: Deno.build.arch,
    cpuModel,
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    loadAverage: { start, end: Deno.loadavg() },
  };
}

async function bench(flags: BenchFlags): Promise<void> {
  const sizeBytes = parseSize(flags.size, { what: "--size" });
  const keySize = integer("--key-size", flags.keySize, 1);
  const valueSize = integer("--value-size", flags.valueSize, 1);
  if (sizeBytes < keySize + valueSize) {
    throw new UsageError(
      `Invalid --size "${flags.size}": it must hold at least one key and value (${
        keySize + valueSize
      } bytes)`,
    );
  }
  const seed = integer("--seed", flags.seed, 0, 0xffffffff);
  const rounds = integer("--rounds", flags.rounds, 1, 100);
  const connections = flags.connections === undefined
    ? undefined
    : integer("--connections", flags.connections, 1, 64);
  const batchBytes = flags.batch === undefined
    ? undefined
    : parseSize(flags.batch, { what: "--batch" });
  const microTime = integer("--micro-time", flags.microTime, 10, 60_000);
  const cases = flags.cases === undefined ? undefined : parseCases(flags.cases);
  if (flags.micro && flags.macro) {
    throw new UsageError(`Pass "--micro" or "--macro", not both (neither runs both)`);
  }
  const shapeTypes = parseShapes(flags.shapes);
  // --micro, --macro and --shapes each select a part; with none of them, micro + macro run.
  const doMicro = flags.micro === true || (!flags.macro && shapeTypes === undefined);
  const doMacro = flags.macro === true || (!flags.micro && shapeTypes === undefined);
  if (flags.check && flags.micro) {
    throw new UsageError(`"--check" gates on macro ratios: drop "--micro"`);
  }
  if (flags.check && !doMacro) {
    throw new UsageError(
      `"--check" gates on the macro ratios, which "--shapes" alone does not measure: add "--macro"`,
    );
  }
  // Read the thresholds first: a broken file should fail before minutes of benchmarking.
  const thresholds: Threshold[] = flags.check || flags.thresholds !== defaultThresholds()
    ? await loadThresholds(flags.thresholds)
    : await loadThresholds(flags.thresholds).catch(() => []);

  const started = performance.now();
  const report: BenchReport = {
    schema: REPORT_SCHEMA,
    startedAt: new Date().toISOString(),
    totalSeconds: 0,
    machine: machine(Deno.loadavg()),
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      redis: null,
    },
    parameters: {
      sizeBytes,
      keySize,
      valueSize,
      keys: keyCount(sizeBytes, keySize, valueSize),
      seed,
      rounds,
      connections: connections ?? null,
      batchBytes: batchBytes ?? null,
    },
    macro: null,
    micro: null,
    shapes: null,
    check: null,
  };
  const log = (line: string) => console.log(line);
  if (doMicro) {
    log(`Micro-benchmarks (${microTime} ms per case)…`);
    report.micro = await runMicroGroups(
      [
        ...respGroups(keySize, valueSize),
        ...slotTagGroups(),
        ...keyspaceGroups(keySize, valueSize),
        ...shapeGroups(),
      ],
      { timeMs: microTime },
    );
  }
  if (doMacro) {
    const outcome = await runMacro({
      sizeBytes,
      keySize,
      valueSize,
      seed,
      rounds,
      connections,
      batchBytes,
      cases,
      verify: flags.verify,
      log,
    });
    report.versions.redis = outcome.redisVersion;
    report.macro = {
      cases: outcome.cases,
      runs: outcome.runs,
      medians: caseMedians(outcome.runs),
      ratios: [...computeRatios(outcome.runs), ...verifyRatios(outcome.verifyRuns)],
      verify: { runs: outcome.verifyRuns, medians: verifyMedians(outcome.verifyRuns) },
    };
  }
  if (shapeTypes !== undefined) {
    log(`Per-type macro: ${shapeTypes.join(", ")}…`);
    const { redisVersion, ...shapes } = await runShapesMacro({
      sizeBytes,
      rounds,
      types: shapeTypes,
      seed,
      connections,
      batchBytes,
      handleSignals: false,
      log,
    });
    report.versions.redis ??= redisVersion;
    report.shapes = shapes;
  }
  if (flags.check && report.macro) {
    report.check = checkRatios(report.macro.ratios, thresholds, flags.thresholds, {
      cases,
      verify: flags.verify,
    });
  }
  report.machine.loadAverage.end = Deno.loadavg();
  report.totalSeconds = (performance.now() - started) / 1000;

  console.log(renderTerminal(report, thresholds, Deno.stdout.isTerminal()));
  await Deno.mkdir(dirname(flags.json), { recursive: true });
  await Deno.writeTextFile(flags.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`Wrote ${flags.json}`);
  const markdown = renderMarkdown(report, thresholds);
  if (flags.markdown) await Deno.writeTextFile(flags.markdown, markdown);
  const summary = Deno.env.get("GITHUB_STEP_SUMMARY");
  if (summary) await Deno.writeTextFile(summary, markdown, { append: true });
  if (report.check && report.check.crossed.length > 0) throw checkFailure(report.check);
}

/**
 * Runs `redfill bench`.
 *
 * @param args Command-line arguments after `bench`.
 * @param context The command's name, version and signals.
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  context: CommandContext = inProcessContext("bench"),
): Promise<number> {
  try {
    const program = benchProgram(context);
    if (parseProgram(program, args) !== "run") return 0;
    await bench(program.opts());
    return 0;
  } catch (error) {
    return reportError(error);
  }
}
