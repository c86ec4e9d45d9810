/**
 * The terminal rendering of a run report: a summary, a per-node table with bars for keys and
 * memory, and the verify checks — readable in 80 columns, coloured only when asked.
 *
 * @module
 */

import Table from "cli-table3";
import { styleText } from "node:util";
import {
  bar,
  clientLine,
  fillLine,
  formatBytes,
  formatCount,
  formatDeviation,
  limitLine,
  memoryFraction,
  nodeRows,
  nodesLine,
  serverLine,
  stepsLine,
  targetLine,
  thresholdLines,
  verdictWord,
  verifyLine,
  wrap,
} from "./_format.ts";
import type { RunReport } from "./model.ts";
import { memoryLine } from "./_memory.ts";
import { SHARD_HEAD, shardRows, shardsLine } from "./_shards.ts";

/** Options for {@linkcode renderTable}. */
export interface RenderTableOptions {
  /** Use ANSI colours (the caller decides: a TTY and no NO_COLOR). Default false. */
  color?: boolean | undefined;
  /** Columns available (default 80). */
  width?: number | undefined;
}

/** The label column of the summary. */
const LABEL_WIDTH = 10;
/** Widest a node address may be before it is shortened with `…`. */
const MAX_ADDRESS = 21;

/**
 * Renders a report for a terminal.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { buildRunReport } from "./model.ts";
 * import { renderTable } from "./table.ts";
 * const report = buildRunReport({
 *   pipeline: "demo",
 *   target: {
 *     host: "127.0.0.1", port: 6379, mode: "standalone",
 *     connectTimeoutMs: 5000, commandTimeoutMs: 10000,
 *   },
 * });
 * ok(renderTable(report, { width: 80 }).includes("127.0.0.1:6379"));
 * ```
 *
 * @param report The report.
 * @param options Colour and width.
 * @returns Lines joined by `\n`, ending with a newline.
 */
export function renderTable(report: RunReport, options: RenderTableOptions = {}): string {
  const color = options.color === true;
  const width = Math.max(60, options.width ?? 80);
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    color ? styleText(style, text, { validateStream: false }) : text;
  const verdict = verdictWord(report);
  const verdictText = paint(
    report.ok
      ? ["bold", "green"]
      : report.status === "interrupted"
      ? ["bold", "yellow"]
      : ["bold", "red"],
    verdict.toUpperCase(),
  );
  const out: string[] = [];
  const title = `redfill: ${report.pipeline}`;
  const gap = Math.max(1, width - title.length - verdict.length);
  out.push(`${paint("bold", title)}${" ".repeat(gap)}${verdictText}`);

  const summary: [string, string | undefined][] = [
    ["Target", targetLine(report)],
    ["Nodes", nodesLine(report)],
    ["Fill", fillLine(report)],
    ["Memory", memoryLine(report)],
    ["Client", clientLine(report)],
    ["Server", serverLine(report)],
    ["Limit", limitLine(report)],
    ["Verify", verifyLine(report)],
    ["Steps", stepsLine(report)],
    ["Shards", shardsLine(report)],
  ];
  for (const [label, value] of summary) {
    if (value === undefined) continue;
    wrap(value, width - LABEL_WIDTH).forEach((line, index) => {
      const head = index === 0 ? label.padEnd(LABEL_WIDTH) : " ".repeat(LABEL_WIDTH);
      out.push(`${index === 0 ? paint("bold", head) : head}${line}`);
    });
  }

  const table = nodeTable(report, width, color);
  if (table !== undefined) out.push("", table);
  const shards = shardRows(report);
  if (shards.length > 0) out.push("", plainTable([...SHARD_HEAD], shards, color));

  if (report.verify !== null && report.verify.checks.length > 0) {
    out.push("", paint("bold", "Checks"));
    for (const check of report.verify.checks) {
      const mark = check.ok ? paint("green", "pass") : paint(["bold", "red"], "FAIL");
      wrap(`${check.name}: ${check.detail}`, width - 8).forEach((line, index) => {
        out.push(index === 0 ? `  ${mark}  ${line}` : `        ${line}`);
      });
    }
  }
  if (report.thresholds.length > 0) {
    out.push("", paint("bold", "Thresholds"));
    report.thresholds.forEach((result, index) => {
      const line = thresholdLines(report)[index]!;
      const [mark, ...rest] = line.split(" ");
      const painted = result.ok ? paint("green", mark!) : paint(["bold", "red"], mark!);
      wrap(rest.join(" "), width - 4).forEach((text, at) => {
        out.push(at === 0 ? `  ${painted} ${text}` : `    ${text}`);
      });
    });
  }
  const failed = report.steps.filter((step) => !step.ok && step.error !== null);
  if (failed.length > 0) {
    out.push("", paint("bold", "Failed steps"));
    for (const step of failed) {
      wrap(`${step.id}: ${step.error}`, width - 2).forEach((line) => out.push(`  ${line}`));
    }
  }
  return `${out.join("\n")}\n`;
}

/** The per-node table, sized to fit `width` columns, or undefined when there are no nodes. */
function nodeTable(report: RunReport, width: number, color: boolean): string | undefined {
  const { rows, keysFound } = nodeRows(report);
  if (rows.length === 0) return undefined;
  const withVerify = report.verify !== null;
  const shorten = (address: string) =>
    address.length > MAX_ADDRESS ? `${address.slice(0, MAX_ADDRESS - 1)}…` : address;
  const addresses = rows.map((row) => shorten(row.address));
  const keyTexts = rows.map((row) => formatCount(row.keys));
  const maxKeys = Math.max(1, ...rows.map((row) => row.keys));

  const head = ["Node", "Slots", keysFound ? "Keys" : "Keys sent"];
  const texts: string[][] = rows.map((row, index) => [
    addresses[index]!,
    row.slots === undefined ? "-" : formatCount(row.slots),
    keyTexts[index]!,
  ]);
  if (withVerify) {
    head.push("Dev", "Memory");
    rows.forEach((row, index) => {
      texts[index]!.push(
        row.deviation === undefined ? "-" : formatDeviation(row.deviation),
        row.usedMemory === undefined ? "-" : formatBytes(row.usedMemory),
      );
    });
  } else {
    head.push("Bytes", "Errors");
    rows.forEach((row, index) => {
      texts[index]!.push(
        row.bytesSent === undefined ? "-" : formatBytes(row.bytesSent),
        row.errors === undefined ? "-" : formatCount(row.errors),
      );
    });
  }
  // Bars go after the keys and the memory (or after the keys only without verify).
  const barColumns = withVerify ? [2, 4] : [2];
  const columnWidth = (column: number) =>
    Math.max(head[column]!.length, ...texts.map((cells) => cells[column]!.length));
  const textWidth = head.reduce((sum, _, column) => sum + columnWidth(column), 0);
  const frame = 3 * head.length + 1;
  // Each bar adds one space after its number.
  const spare = width - textWidth - frame - barColumns.length;
  const barWidth = Math.max(4, Math.min(20, Math.floor(spare / barColumns.length)));
  const largestMemory = Math.max(0, ...rows.map((row) => row.usedMemory ?? 0));
  const paintBar = (text: string) =>
    color ? styleText("cyan", text, { validateStream: false }) : text;

  const table = new Table({
    head,
    colAligns: head.map((_, column) => (column === 0 ? "left" : "right")),
    // compact: one line per node, a rule only under the head.
    style: color
      ? { head: ["bold"], border: ["grey"], compact: true }
      : { head: [], border: [], compact: true },
  });
  rows.forEach((row, index) => {
    const cells = [...texts[index]!];
    const pad = (column: number) => cells[column]!.padStart(columnWidth(column));
    cells[2] = `${pad(2)} ${paintBar(bar(row.keys / maxKeys, barWidth))}`;
    if (withVerify) {
      cells[4] = `${pad(4)} ${paintBar(bar(memoryFraction(row, largestMemory), barWidth))}`;
    }
    table.push(cells);
  });
  return table.toString();
}

/** A compact table of texts, numbers right-aligned (the shards of a merged report). */
function plainTable(head: string[], rows: string[][], color: boolean): string {
  const table = new Table({
    head,
    colAligns: head.map((_, column) => (column <= 3 ? "left" : "right")),
    style: color
      ? { head: ["bold"], border: ["grey"], compact: true }
      : { head: [], border: [], compact: true },
  });
  for (const row of rows) table.push(row);
  return table.toString();
}
