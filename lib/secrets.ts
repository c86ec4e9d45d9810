/**
 * Where secrets sit, by structure: an option whose name says it holds one (`password`, a
 * plugin's `token`), and the password part of a `redis://user:password@host` URL. Everything
 * that shows a value — the loader's snippets and sentences, `--dry-run`, the report — masks
 * the value at one of these places where it is put into text; nothing ever searches finished
 * text for a password (a password "fill" must not turn "fill: done" into "***: done").
 *
 * @module
 */

/** What a secret is shown as. */
export const MASK = "***";

/**
 * Option names whose values are secrets: `password` (and its misspellings `pasword`, `passwd`,
 * `pwd`: a typo still holds the password), `pass`, `secret`, `token`, `credential`.
 */
const SECRET_OPTION = /pass|pas+wo?r?d|pwd|secret|token|credential/i;

/**
 * Whether an option (a key of a target, of a step's options, of a `--set` path's last part)
 * holds a secret by its name.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { isSecretOption } from "./secrets.ts";
 * equal(isSecretOption("password"), true);
 * equal(isSecretOption("api-token"), true);
 * equal(isSecretOption("pasword"), true);
 * equal(isSecretOption("prefix"), false);
 * ```
 *
 * @param name The option's name (or a dotted path: its last part counts).
 * @returns True for a secret.
 */
export function isSecretOption(name: string): boolean {
  return SECRET_OPTION.test(name.split(".").at(-1) ?? name);
}

/** A `scheme://user:password@` prefix: the password is the second group. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s"'`]*:)([^@/\s"'`]*)@/gi;

/**
 * Where the password part of each URL in a text is: `[start, end)` offsets, empty passwords
 * left out.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { urlPasswordRanges } from "./secrets.ts";
 * deepEqual(urlPasswordRanges("url: redis://me:pw@h:1"), [[16, 18]]);
 * ```
 *
 * @param text Any text.
 * @returns The ranges, in order.
 */
export function urlPasswordRanges(text: string): [start: number, end: number][] {
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(URL_PASSWORD)) {
    const start = match.index + match[1]!.length;
    if (match[2]!.length > 0) ranges.push([start, start + match[2]!.length]);
  }
  return ranges;
}

/**
 * A URL (or a text holding URLs) with each URL's password part masked:
 * `redis://me:***@h:1`. Used where a URL is put into text.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { maskUrlPassword } from "./secrets.ts";
 * equal(maskUrlPassword("rediss://:fill@10.0.0.5:6380"), "rediss://:***@10.0.0.5:6380");
 * equal(maskUrlPassword("fill: done"), "fill: done");
 * ```
 *
 * @param text The URL, or text with URLs in it.
 * @returns The text with `***` in place of each URL's password.
 */
export function maskUrlPassword(text: string): string {
  return maskRanges(text, urlPasswordRanges(text));
}

/**
 * Replaces each `[start, end)` range of a text by {@linkcode MASK}.
 *
 * @param text The text.
 * @param ranges Non-overlapping ranges, in order.
 * @returns The masked text.
 */
export function maskRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  let masked = "";
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at || end <= start) continue;
    masked += `${text.slice(at, start)}${MASK}`;
    at = end;
  }
  return masked + text.slice(at);
}

/**
 * A `key=value` assignment as typed (`--set target.password=…`), with the value masked when
 * the key names a secret and any URL's password masked otherwise.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { maskAssignment } from "./secrets.ts";
 * equal(maskAssignment("target.password=fill"), "target.password=***");
 * equal(maskAssignment("fill.prefix=fill"), "fill.prefix=fill");
 * equal(maskAssignment("target.url=redis://:keys@h:1"), "target.url=redis://:***@h:1");
 * ```
 *
 * @param assignment The text as typed.
 * @returns The text as it may be shown.
 */
export function maskAssignment(assignment: string): string {
  const match = /^([^=:\s]*)(\s*[=:]\s*|\s+)/.exec(assignment);
  if (match !== null && isSecretOption(match[1]!) && assignment.length > match[0].length) {
    return `${match[0]}${MASK}`;
  }
  return maskUrlPassword(assignment);
}
