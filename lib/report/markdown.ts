/**
 * The Markdown rendering of a run report: the same summary, per-node table and checks as the
 * terminal, as GitHub-flavoured tables (for `$GITHUB_STEP_SUMMARY` and pull requests).
 *
 * @module
 */

import {
  bar,
  clientLine,
  fillLine,
  formatBytes,
  formatCount,
  formatDeviation,
  formatDuration,
  limitLine,
  memoryFraction,
  nodeRows,
  nodesLine,
  serverLine,
  targetLine,
  verdictWord,
  verifyLine,
} from "./_format.ts";
import type { RunReport } from "./model.ts";
import { memoryLine } from "./_memory.ts";
import { SHARD_HEAD, shardRows, shardsLine } from "./_shards.ts";

/** Cells of the bars in the Markdown node table. */
const BAR_WIDTH = 10;

/** Escapes text for a table cell: pipes, backslashes, and newlines. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A GitHub-flavoured Markdown table. */
function table(head: string[], rows: string[][], align: ("l" | "r")[]): string[] {
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `| ${align.map((side) => (side === "r" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

/**
 * Renders a report as Markdown.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { buildRunReport } from "./model.ts";
 * import { renderMarkdown } from "./markdown.ts";
 * const report = buildRunReport({
 *   pipeline: "demo",
 *   target: {
 *     host: "127.0.0.1", port: 6379, mode: "standalone",
 *     connectTimeoutMs: 5000, commandTimeoutMs: 10000,
 *   },
 * });
 * ok(renderMarkdown(report).startsWith("## redfill: demo"));
 * ```
 *
 * @param report The report.
 * @returns Markdown, ending with a newline.
 */
export function renderMarkdown(report: RunReport): string {
  const verdict = verdictWord(report);
  const out: string[] = [
    `## redfill: ${report.pipeline} — ${
      report.ok ? "✅" : report.status === "interrupted" ? "⚠️" : "❌"
    } ${verdict}`,
    "",
  ];
  const summary: [string, string | undefined][] = [
    ["Target", targetLine(report)],
    ["Nodes", nodesLine(report)],
    ["Fill", fillLine(report)],
    ["Memory", memoryLine(report)],
    ["Client", clientLine(report)],
    ["Server", serverLine(report)],
    ["Limit", limitLine(report)],
    ["Verify", verifyLine(report)],
    ["Shards", shardsLine(report)],
  ];
  out.push(
    ...table(
      ["", ""],
      summary.filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([label, value]) => [`**${label}**`, value]),
      ["l", "l"],
    ),
  );

  const { rows, keysFound } = nodeRows(report);
  if (rows.length > 0) {
    const maxKeys = Math.max(1, ...rows.map((row) => row.keys));
    const largestMemory = Math.max(0, ...rows.map((row) => row.usedMemory ?? 0));
    out.push("", "### Nodes", "");
    if (report.verify !== null) {
      out.push(...table(
        [
          "Node",
          "Slots",
          "Keys",
          "Expected",
          "Deviation",
          "Used memory",
          "Max memory",
          "Bytes/key",
          "Keys bar",
          "Memory bar",
        ],
        rows.map((row) => [
          row.address,
          row.slots === undefined ? "-" : formatCount(row.slots),
          formatCount(row.keys),
          row.expectedKeys === undefined ? "-" : formatCount(row.expectedKeys),
          row.deviation === undefined ? "-" : formatDeviation(row.deviation),
          row.usedMemory === undefined ? "-" : formatBytes(row.usedMemory),
          row.maxMemory === undefined || row.maxMemory === 0 ? "none" : formatBytes(row.maxMemory),
          row.bytesPerKey === undefined || row.bytesPerKey === null
            ? "-"
            : formatCount(row.bytesPerKey),
          bar(row.keys / maxKeys, BAR_WIDTH),
          bar(memoryFraction(row, largestMemory), BAR_WIDTH),
        ]),
        ["l", "r", "r", "r", "r", "r", "r", "r", "l", "l"],
      ));
    } else {
      out.push(...table(
        ["Node", "Slots", keysFound ? "Keys" : "Keys sent", "Bytes", "Errors", "Keys bar"],
        rows.map((row) => [
          row.address,
          row.slots === undefined ? "-" : formatCount(row.slots),
          formatCount(row.keys),
          row.bytesSent === undefined ? "-" : formatBytes(row.bytesSent),
          row.errors === undefined ? "-" : formatCount(row.errors),
          bar(row.keys / maxKeys, BAR_WIDTH),
        ]),
        ["l", "r", "r", "r", "r", "l"],
      ));
    }
  }

  const shards = shardRows(report);
  if (shards.length > 0) {
    out.push("", "### Shards", "");
    out.push(...table([...SHARD_HEAD], shards, SHARD_HEAD.map((_, i) => (i <= 3 ? "l" : "r"))));
  }

  if (report.verify !== null && report.verify.checks.length > 0) {
    out.push("", "### Checks", "");
    out.push(...table(
      ["Check", "Result", "Detail"],
      report.verify.checks.map((check) => [
        check.name,
        check.ok ? "✅ pass" : "❌ fail",
        check.detail,
      ]),
      ["l", "l", "l"],
    ));
  }

  if (report.thresholds.length > 0) {
    out.push("", "### Thresholds", "");
    out.push(...table(
      ["Metric", "Threshold", "Observed", "Result"],
      report.thresholds.map((result) => [
        result.metric,
        result.expression,
        result.observedText,
        `${result.ok ? "✓ pass" : "✗ fail"}${result.stoppedRun ? " (stopped the run)" : ""}`,
      ]),
      ["l", "l", "r", "l"],
    ));
  }

  if (report.steps.length > 0) {
    out.push("", "### Steps", "");
    out.push(...table(
      ["Step", "Result", "Duration", "Error"],
      report.steps.map((step) => [
        step.id === step.name ? step.id : `${step.id} (${step.name})`,
        step.ok ? "✅ done" : "❌ failed",
        formatDuration(step.durationMs),
        step.error ?? "",
      ]),
      ["l", "l", "r", "l"],
    ));
  }
  return `${out.join("\n")}\n`;
}
