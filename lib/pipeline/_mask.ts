/**
 * Secrets in the loader's snippets, by structure: the places in the source that hold a secret
 * — the value of every key that names one (`password:`, a plugin's `token:`) and the password
 * part of every URL written in a value — found in the parsed document, and masked in the one
 * line a problem shows. A file with syntax errors may not parse into the pairs it meant, so
 * there each line's own `key: value` pairs (block or flow) and URLs are read as well. An `${env.NAME}` reference is shown as written: it is not the secret.
 * No sentence is searched for a password: the loader never puts one into a sentence (values
 * at secret keys are described as `***`, URLs are shown with their password masked).
 *
 * @module
 */

import { type Document, isPair, isScalar, visit } from "yaml";
import { isSecretOption, maskRanges, urlPasswordRanges } from "../secrets.ts";

/** A half-open range of source offsets. */
export type SourceRange = readonly [start: number, end: number];

/** Whether source text is only an `${env.NAME}` reference (shown as written). */
function isEnvReference(text: string): boolean {
  return /^["']?\$\{env\.[^}]*\}["']?$/.test(text.trim());
}

/**
 * Where the secrets of a document are in its source: each secret key's scalar value, and
 * each URL's password part inside any scalar, in source order.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { LineCounter, parseDocument } from "yaml";
 * import { secretRanges } from "./_mask.ts";
 * const source = "password: fill\nname: fill\nurl: redis://:keys@h:1\n";
 * const doc = parseDocument(source, { lineCounter: new LineCounter() });
 * deepEqual(secretRanges(doc, source), [[10, 14], [40, 44]]);
 * ```
 *
 * @param doc The parsed document (nodes from overrides have no range and are skipped).
 * @param source Its text.
 * @returns The ranges.
 */
export function secretRanges(doc: Document.Parsed, source: string): SourceRange[] {
  const ranges: SourceRange[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      const range = node.range;
      if (range === undefined || range === null) return;
      const [start, end] = range;
      const text = source.slice(start, end);
      if (isEnvReference(text)) return;
      const parent = path.at(-1);
      const isValue = isPair(parent) && parent.value === node;
      const key = isValue && isScalar(parent.key) ? String(parent.key.value) : undefined;
      if (key !== undefined && isSecretOption(key)) {
        ranges.push([start, end]);
        return;
      }
      for (const [from, to] of urlPasswordRanges(text)) {
        if (!isEnvReference(text.slice(from, to))) ranges.push([start + from, start + to]);
      }
    },
  });
  if (doc.errors.length > 0) ranges.push(...lineRanges(source));
  return merge(ranges);
}

/** A `key: value` pair on a line: block (`  key: value`) or in a flow map (`{ key: value`). */
const LINE_PAIR =
  /(^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)(["']?)([\w.-]+)\2[ \t]*:[ \t]+(\$\{[^}\n]*\}|"[^"\n]*"?|'[^'\n]*'?|[^,}#\s][^,}#\n]*?)(?=[ \t]*(?:[,}]|[ \t]#|$))/gm;

/** The secret places a line shows by itself: secret keys' values and URLs' passwords. */
function lineRanges(source: string): SourceRange[] {
  const ranges: SourceRange[] = [];
  for (const match of source.matchAll(LINE_PAIR)) {
    const key = match[3]!;
    const value = match[4]!;
    if (!isSecretOption(key) || isEnvReference(value)) continue;
    // The value ends the match (what follows it is only looked at).
    const start = match.index + match[0].length - value.length;
    ranges.push([start, start + value.length]);
  }
  for (const [from, to] of urlPasswordRanges(source)) {
    if (!isEnvReference(source.slice(from, to))) ranges.push([from, to]);
  }
  return ranges;
}

/** Sorts ranges and joins the ones that overlap. */
function merge(ranges: SourceRange[]): SourceRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * One line of the source with the secrets in it masked.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { maskLine } from "./_mask.ts";
 * equal(maskLine("  password: fill # fill it", 20, [[32, 36]]), "  password: *** # fill it");
 * ```
 *
 * @param line The line's text.
 * @param lineStart The source offset of its first character.
 * @param ranges The document's secret ranges.
 * @returns The line with `***` in place of each secret (or of the part of it on this line).
 */
export function maskLine(line: string, lineStart: number, ranges: readonly SourceRange[]): string {
  const lineEnd = lineStart + line.length;
  const inLine = ranges
    .filter(([start, end]) => start < lineEnd && end > lineStart)
    .map(([start, end]) =>
      [Math.max(start, lineStart) - lineStart, Math.min(end, lineEnd) - lineStart] as const
    );
  return maskRanges(line, inLine);
}
