/**
 * Renders a {@linkcode BenchReport}: terminal tables (cli-table3) and Markdown (for
 * `$GITHUB_STEP_SUMMARY`).
 *
 * @module
 */

import Table from "cli-table3";
import { formatBytes } from "../lib/units.ts";
import type { BenchReport, Threshold } from "./results.ts";
import { MIB } from "./results.ts";
import { formatExpression, thresholdLine } from "../lib/thresholds.ts";
import { describeSkipped, ratioExpressions } from "./check.ts";
import { shapeCells, SHAPES_TABLE_HEAD } from "./shapes_macro.ts";

type Row = string[];

interface Sections {
  title: string;
  macroHead: Row;
  macro: Row[];
  ratioHead: Row;
  ratios: Row[];
  microHead: Row;
  micro: Row[];
  verifyHead: Row;
  verify: Row[];
  shapesHead: Row;
  shapes: Row[];
  verdict: string | null;
}

function sections(report: BenchReport, thresholds: readonly Threshold[]): Sections {
  const p = report.parameters;
  const m = report.machine;
  // A per-type run alone has its own key counts (in its table), not the macro's.
  const keys = report.macro === null && report.shapes
    ? ""
    : ` (${p.keys} keys of ${p.keySize}+${p.valueSize} B)`;
  const title = `redfill bench: ${formatBytes(p.sizeBytes)} per run${keys}, ${p.rounds} round${
    p.rounds === 1 ? "" : "s"
  }, medians · ${m.cores} cores, load ${
    m.loadAverage.start.map((l) => l.toFixed(2)).join(" ")
  } · Deno ${report.versions.deno} · Redis ${report.versions.redis ?? "?"}`;
  const macro: Row[] = [];
  for (const info of report.macro?.cases ?? []) {
    const med = report.macro?.medians[info.id];
    if (!med) continue;
    macro.push([
      info.label,
      med.mibPerSecond.toFixed(1),
      `${med.minMibPerSecond.toFixed(0)}–${med.maxMibPerSecond.toFixed(0)}`,
      med.clientCpuPerGib.toFixed(2),
      (med.peakRssBytes / MIB).toFixed(0),
      med.serverCpuPerGib.toFixed(2),
    ]);
  }
  const ratios: Row[] = (report.macro?.ratios ?? []).map((ratio) => {
    const bounds = thresholds.filter((t) => t.ratio === ratio.id);
    const limit = bounds.flatMap((t) => ratioExpressions(t).map(formatExpression)).join(", ");
    const crossed = report.check?.crossed.some((c) => c.ratio === ratio.id);
    const status = bounds.length === 0 ? "" : report.check ? (crossed ? "✗" : "✓") : "";
    return [
      ratio.id,
      ratio.value.toFixed(3),
      ratio.perRound.map((v) => v.toFixed(2)).join(" "),
      limit,
      status,
    ];
  });
  const labels = new Map((report.macro?.cases ?? []).map((info) => [info.id, info.label]));
  const verify: Row[] = (report.macro?.verify.medians ?? []).map((med) => [
    labels.get(med.case) ?? med.case,
    med.mode === "count" ? "exact count" : "every key read back",
    `${(med.keysPerSecond / 1000).toFixed(0)}k`,
    med.secondsPerGib.toFixed(2),
    `${med.fillRatio.toFixed(2)}×`,
    med.clientCpuSeconds.toFixed(2),
    (med.peakRssBytes / MIB).toFixed(0),
  ]);
  const micro: Row[] = (report.micro ?? []).map((row, index, rows) => [
    index > 0 && rows[index - 1]!.group === row.group ? "" : row.group,
    `${row.baseline ? "* " : ""}${row.name}`,
    `${row.rate.toFixed(row.rate >= 100 ? 0 : 2)} ${row.unit}`,
    `${row.vsBaseline.toFixed(2)}×`,
    `±${row.rmePercent.toFixed(1)}%`,
  ]);
  const shapes: Row[] = (report.shapes?.rows ?? []).map(shapeCells);
  let verdict: string | null = null;
  if (report.check) {
    verdict = report.check.crossed.length === 0
      ? `Check passed: ${report.check.checked} threshold${
        report.check.checked === 1 ? "" : "s"
      } in ${report.check.file}`
      : `Check failed: ${report.check.crossed.length} threshold(s) in ${report.check.file} crossed`;
    // Each expression checked, as a pipeline's report shows its thresholds.
    const lines = (report.check.results ?? []).map((result) => `  ${thresholdLine(result)}`);
    if (lines.length > 0) verdict += `\n${lines.join("\n")}`;
    const skipped = describeSkipped(report.check);
    if (skipped !== undefined) verdict += `\n${skipped}`;
  }
  return {
    title,
    macroHead: ["case", "MiB/s", "range", "client CPU-s/GiB", "peak RSS MiB", "server CPU-s/GiB"],
    macro,
    ratioHead: ["ratio", "median", "per round", "threshold", ""],
    ratios,
    verifyHead: [
      "verify after",
      "mode",
      "keys/s",
      "s per GiB filled",
      "× fill time",
      "client CPU-s",
      "peak RSS MiB",
    ],
    verify,
    shapesHead: [...SHAPES_TABLE_HEAD],
    shapes,
    microHead: ["micro group", "case (* baseline)", "rate", "vs baseline", "error"],
    micro,
    verdict,
  };
}

/**
 * The report as terminal tables.
 *
 * @param report The report.
 * @param thresholds The thresholds, shown beside the ratios.
 * @param color Whether to draw coloured borders (only on a TTY).
 * @returns The text.
 */
export function renderTerminal(
  report: BenchReport,
  thresholds: readonly Threshold[],
  color: boolean,
): string {
  const s = sections(report, thresholds);
  const style = color ? {} : { head: [], border: [] };
  const chars = { "mid": "", "left-mid": "", "mid-mid": "", "right-mid": "" };
  const table = (head: Row, rows: Row[]) => {
    const t = new Table({ head, style, chars });
    t.push(...rows);
    return t.toString();
  };
  const parts = [s.title];
  if (s.macro.length) parts.push(table(s.macroHead, s.macro));
  if (s.verify.length) parts.push(table(s.verifyHead, s.verify));
  if (s.ratios.length) parts.push(table(s.ratioHead, s.ratios));
  if (s.shapes.length) parts.push(table(s.shapesHead, s.shapes));
  if (s.micro.length) parts.push(table(s.microHead, s.micro));
  if (s.verdict) parts.push(s.verdict);
  return parts.join("\n");
}

/**
 * The report as GitHub-flavoured Markdown.
 *
 * @param report The report.
 * @param thresholds The thresholds, shown beside the ratios.
 * @returns The Markdown.
 */
export function renderMarkdown(report: BenchReport, thresholds: readonly Threshold[]): string {
  const s = sections(report, thresholds);
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  const table = (head: Row, rows: Row[]) =>
    [
      `| ${head.map(escape).join(" | ")} |`,
      `| ${head.map(() => "---").join(" | ")} |`,
      ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
    ].join("\n");
  const parts = [`### ${s.title}`];
  if (s.macro.length) parts.push(table(s.macroHead, s.macro));
  if (s.verify.length) parts.push(table(s.verifyHead, s.verify));
  if (s.ratios.length) parts.push(table(s.ratioHead, s.ratios));
  if (s.shapes.length) parts.push(table(s.shapesHead, s.shapes));
  if (s.micro.length) parts.push(table(s.microHead, s.micro));
  if (s.verdict) parts.push(`**${s.verdict}**`);
  return parts.join("\n\n") + "\n";
}
