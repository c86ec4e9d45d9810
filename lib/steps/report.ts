/**
 * The `report` step: renders whatever the run produced (target, topology, fill, verify, steps)
 * as a terminal table, JSON and/or Markdown. It runs even after an earlier step failed
 * (`always`), so a failed verify is still shown; it never prints a password.
 *
 * Where the output goes:
 * - without `out` (or with `out: "-"`), every format is printed to stdout, in order;
 * - with `out: PATH`, the first `json` or `md` format (the first format when there is
 *   neither) is written to PATH, folders created; the others are printed to stdout;
 * - the table is coloured only on a terminal and never with `NO_COLOR`; it is 80 columns wide
 *   off a terminal and as wide as the terminal (at most 120) on one;
 * - when `$GITHUB_STEP_SUMMARY` is set, the Markdown is appended to that file as well, once per
 *   run: by the last `report` step of the pipeline (its `summary` option, resolved at load
 *   time; set `summary: true` or `false` on a step to choose).
 *
 * The report's status is `interrupted` when the run was stopped before the step ran (or its
 * fill was cut short), `failed` when an earlier step failed or verify did not pass.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.ts";
import { defineStep } from "../pipeline/define.ts";
import { renderJson } from "../report/json.ts";
import { renderMarkdown } from "../report/markdown.ts";
import { buildRunReport, type RunReport } from "../report/model.ts";
import { renderTable } from "../report/table.ts";
import type { Logger, StepContext, Topology } from "../types.ts";

/** The formats a report can be rendered in. */
export const REPORT_FORMATS = ["table", "json", "md"] as const;

/** One report format. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/** Where rendered reports go; the step uses the process's stdout and environment. */
export interface ReportSink {
  /** Prints text to stdout. */
  stdout(text: string): Promise<void>;
  /** Whether stdout is a terminal (colour and width). */
  isTerminal: boolean;
  /** Terminal columns, when stdout is a terminal. */
  columns?: number | undefined;
  /** Whether `NO_COLOR` is set. */
  noColor: boolean;
  /** The path in `$GITHUB_STEP_SUMMARY`, if set. */
  stepSummary?: string | undefined;
}

/** Options for {@linkcode writeReport}. */
export interface WriteReportOptions {
  /** Formats, in order. */
  formats: readonly ReportFormat[];
  /** Path for the first machine format; absent or `-` means stdout. */
  out?: string | undefined;
  /** Append the Markdown to `$GITHUB_STEP_SUMMARY` when the sink has one (default true). */
  summary?: boolean | undefined;
  /** Where to say which file was written. */
  logger?: Logger | undefined;
}

/** Where each output went. */
export interface WrittenReport {
  /** Formats printed to stdout. */
  stdout: ReportFormat[];
  /** The file written, and its format. */
  file?: { path: string; format: ReportFormat } | undefined;
  /** The step summary file appended to. */
  stepSummary?: string | undefined;
}

/** The process's stdout and environment as a {@linkcode ReportSink}. */
function processSink(): ReportSink {
  let isTerminal = false;
  let columns: number | undefined;
  try {
    isTerminal = Deno.stdout.isTerminal();
    if (isTerminal) columns = Deno.consoleSize().columns;
  } catch {
    // No terminal: plain output, 80 columns.
  }
  const summary = Deno.env.get("GITHUB_STEP_SUMMARY");
  let gone = false;
  return {
    async stdout(text) {
      // A reader that went away (`| head -1`) ends the output quietly; the --out file and the
      // step summary are still written.
      if (gone) return;
      const bytes = new TextEncoder().encode(text);
      try {
        for (let written = 0; written < bytes.length;) {
          written += await Deno.stdout.write(bytes.subarray(written));
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        gone = true;
      }
    },
    isTerminal,
    columns,
    noColor: Deno.noColor,
    stepSummary: summary === undefined || summary === "" ? undefined : summary,
  };
}

/**
 * Renders a report in each format and sends it where it belongs: stdout, the `out` file, and
 * the GitHub step summary. The model holds no secret, so neither does any rendering.
 *
 * @example
 * ```ts ignore
 * await writeReport(report, { formats: ["table", "json"], out: "reports/fill.json" });
 * ```
 *
 * @param report The report model.
 * @param options Formats, output path, step summary and logger.
 * @param sink Where stdout and the environment are (default: the process's).
 * @returns Where each output went.
 * @throws {UsageError} when the `out` file cannot be written.
 */
export async function writeReport(
  report: RunReport,
  options: WriteReportOptions,
  sink: ReportSink = processSink(),
): Promise<WrittenReport> {
  const formats = [...new Set(options.formats)];
  const toFile = options.out !== undefined && options.out !== "" && options.out !== "-";
  const fileFormat = toFile
    ? formats.find((format) => format !== "table") ?? formats[0]
    : undefined;
  const render = (format: ReportFormat, terminal: boolean): string =>
    format === "json"
      ? renderJson(report)
      : format === "md"
      ? renderMarkdown(report)
      : renderTable(report, {
        color: terminal && sink.isTerminal && !sink.noColor,
        width: terminal && sink.isTerminal ? Math.min(120, Math.max(80, sink.columns ?? 80)) : 80,
      });
  const written: WrittenReport = { stdout: [] };
  let first = true;
  for (const format of formats) {
    if (format === fileFormat && toFile) {
      const path = options.out!;
      try {
        await Deno.mkdir(dirname(path), { recursive: true });
        await Deno.writeTextFile(path, render(format, false));
      } catch (error) {
        throw new UsageError(
          `Cannot write the report to "${path}": ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      }
      options.logger?.info(`Wrote the ${format === "md" ? "Markdown" : format} report to ${path}`);
      written.file = { path, format };
      continue;
    }
    await sink.stdout(`${first ? "" : "\n"}${render(format, true)}`);
    written.stdout.push(format);
    first = false;
  }
  if (sink.stepSummary !== undefined && options.summary !== false) {
    try {
      await Deno.writeTextFile(sink.stepSummary, `${render("md", false)}\n`, { append: true });
      written.stepSummary = sink.stepSummary;
    } catch (error) {
      options.logger?.warn(
        `Cannot append the report to $GITHUB_STEP_SUMMARY (${sink.stepSummary}): ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  return written;
}

/** The facts the report reads when earlier steps provided them. */
const REPORTED_FACTS = ["connection", "topology", "fill", "verify"] as const;

/** A context that may hold the facts the report reads. */
export type ReportContext = StepContext<never, never, typeof REPORTED_FACTS[number]>;

/**
 * The report model of a run so far, from the facts in a step context.
 *
 * @param ctx The running step's context.
 * @returns The report (the target's password is never in it).
 */
export function reportFromContext(ctx: ReportContext): RunReport {
  let topology: Topology | undefined;
  const connection = ctx.find("connection");
  if (connection !== undefined) {
    try {
      topology = connection.topology();
    } catch {
      // Not connected yet: fall back to a discovered topology, if any.
    }
  }
  topology ??= ctx.find("topology");
  return buildRunReport({
    pipeline: ctx.pipeline,
    target: ctx.target,
    topology,
    fill: ctx.find("fill"),
    verify: ctx.find("verify"),
    steps: ctx.steps,
    thresholds: ctx.thresholds,
    interrupted: ctx.signal.aborted,
  });
}

/** Why a path cannot be written, in a few words. */
function writeFailure(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotFound) return "not found";
  const message = error instanceof Error ? error.message : String(error);
  if (/read-only file system/i.test(message)) return "read-only file system";
  return message.replace(/\s*\(os error \d+\).*$/s, "");
}

/**
 * Whether the report file can be written: checked while the pipeline loads, before anything
 * connects, so an unwritable `out` fails at once (exit 2) instead of after the fill. An
 * existing file must be a file that opens for writing (it is not truncated); otherwise the
 * nearest existing folder above it must take a new file (a probe file is made and removed).
 *
 * @example
 * ```ts
 * import { equal, match } from "node:assert/strict";
 * import { outFileProblem } from "./report.ts";
 * equal(outFileProblem(undefined), undefined);
 * equal(outFileProblem("-"), undefined);
 * match(outFileProblem("/dev/null/r.json") ?? "", /is not a folder/);
 * ```
 *
 * @param out The resolved `out` option.
 * @returns Why it cannot be written (a phrase), or undefined when it can.
 */
export function outFileProblem(out: string | undefined): string | undefined {
  if (out === undefined || out === "" || out === "-") return undefined;
  const path = resolve(out);
  // The path itself, else the nearest folder above it that exists.
  let existing = path;
  let info: Deno.FileInfo | undefined;
  for (;;) {
    try {
      info = Deno.statSync(existing);
      break;
    } catch {
      if (dirname(existing) === existing) return `nothing of "${path}" exists`;
      existing = dirname(existing);
    }
  }
  if (existing === path) {
    if (info.isDirectory) return `"${path}" is a folder`;
    try {
      Deno.openSync(path, { write: true }).close();
      return undefined;
    } catch (error) {
      return writeFailure(error);
    }
  }
  if (!info.isDirectory) return `"${existing}" is not a folder`;
  try {
    Deno.removeSync(Deno.makeTempFileSync({ dir: existing, prefix: ".redfill-probe-" }));
    return undefined;
  } catch (error) {
    return `no file can be created in "${existing}" (${writeFailure(error)})`;
  }
}

const formatSchema = z.enum(REPORT_FORMATS);

/** Renders the run as a terminal table, JSON and/or Markdown. */
export const reportStep = defineStep({
  name: "report",
  description:
    "Render the run (target, nodes, fill, verify, steps) as a table, JSON or Markdown; runs even after a failure",
  options: z.strictObject({
    format: z.union([formatSchema, z.array(formatSchema).min(1)]).default("table").describe(
      'Output format(s): "table", "json", "md", or a list of them',
    ),
    out: z.string().meta({ format: "path" }).optional().describe(
      'File for the first json or md format (relative to the pipeline file, or to where an override was typed); absent or "-" prints everything to stdout',
    ),
    summary: z.boolean().optional().describe(
      "Append the Markdown to $GITHUB_STEP_SUMMARY when it is set (default: only the last report step of the pipeline does, so a run adds one copy)",
    ),
  }),
  optional: REPORTED_FACTS,
  always: true,
  // An unwritable `out` is refused while the file is checked, before anything connects.
  check(options) {
    const problem = outFileProblem(options.out);
    if (problem === undefined) return [];
    return [{
      path: ["out"],
      message: `cannot write the report to "${options.out}": ${problem}`,
      words: (name) =>
        `Cannot write the report (${
          name("out")
        }) to "${options.out}": ${problem}; choose a file in a folder you can write to`,
    }];
  },
  resolve(options, { steps, index }) {
    if (options.summary !== undefined) return options;
    const last = steps.findLastIndex((step) => step.name === "report");
    return { ...options, summary: index === last };
  },
  async run(ctx, options): Promise<RunReport> {
    const report = reportFromContext(ctx);
    await writeReport(report, {
      formats: typeof options.format === "string" ? [options.format] : options.format,
      out: options.out,
      summary: options.summary,
      logger: ctx.logger,
    });
    return report;
  },
});
