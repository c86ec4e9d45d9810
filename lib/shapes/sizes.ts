/**
 * Size forms, taken everywhere a size or a count is: `512` (fixed), `100-10000` (uniform over
 * the range, both ends included) and `64:60,1KiB:30,64KiB:10` (weighted: each size with a
 * relative weight). Sizes take binary units (`1KiB`, `4KB` = 4096). Pure: a form is parsed
 * once and a size is then picked from a 32-bit hash.
 *
 * @module
 */

import { SIZE_UNITS } from "../units.ts";

/** A parsed size form. */
export interface SizeForm {
  /** The form as written (for messages). */
  readonly text: string;
  /** The smallest size it gives. */
  readonly min: number;
  /** The largest size it gives. */
  readonly max: number;
  /** The mean size (exact for every form). */
  readonly mean: number;
  /** Weighted forms: each size and its cumulative threshold out of 2^32 (ascending). */
  readonly buckets?: readonly { readonly bytes: number; readonly below: number }[];
}

/** The largest size a form may give: 512 MiB, Redis's largest bulk string by default. */
const MOST = 512 * 1024 * 1024;
const ONE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;
const WORDS =
  "expected a size like 512, a range like 100-10000, or weighted sizes like 64:60,1KiB:30,64KiB:10";

/** The problem with a size form: a phrase after the option's name ("… : expected …"). */
export class SizeFormError extends Error {
  /** @param message What is wrong, starting lower-case (`its minimum 9 is above its maximum 2`). */
  constructor(message: string) {
    super(message);
    this.name = "SizeFormError";
  }
}

function one(text: string, whole: string): number {
  const match = ONE.exec(text);
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new SizeFormError(`"${whole}" is not a size form: ${WORDS}`);
  }
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new SizeFormError(`"${whole}" is too large`);
  return bytes;
}

/**
 * Parses a size form.
 *
 * @param value The form as written, or a number of bytes.
 * @param least The smallest size allowed (default 1).
 * @returns The form.
 * @throws {SizeFormError} when it does not parse, a range's minimum is above its maximum, a
 * weight is not a number ≥ 0, the weights are all zero, or a size is below `least`.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseSizeForm } from "./sizes.ts";
 * equal(parseSizeForm("100-10000").max, 10000);
 * equal(parseSizeForm("64:60,1KiB:30,64KiB:10").min, 64);
 * equal(parseSizeForm(512).mean, 512);
 * ```
 */
export function parseSizeForm(value: string | number, least = 1): SizeForm {
  const text = String(value).trim();
  let form: SizeForm;
  if (text.includes(":") || text.includes(",")) {
    const parts = text.split(",").map((part) => part.trim());
    const sizes: { bytes: number; weight: number }[] = [];
    for (const part of parts) {
      const colon = part.lastIndexOf(":");
      if (colon < 0) {
        throw new SizeFormError(
          `weighted size "${part}" in "${text}" has no weight: write size:weight, like 1KiB:30`,
        );
      }
      const weightText = part.slice(colon + 1).trim();
      const weight = Number(weightText);
      if (weightText === "" || !Number.isFinite(weight) || weight < 0) {
        throw new SizeFormError(
          `weight "${weightText}" in "${text}" is not a number ≥ 0: write size:weight, like 1KiB:30`,
        );
      }
      sizes.push({ bytes: one(part.slice(0, colon), text), weight });
    }
    const total = sizes.reduce((sum, entry) => sum + entry.weight, 0);
    if (total <= 0) {
      throw new SizeFormError(`the weights in "${text}" are all zero: give one a weight above 0`);
    }
    const kept = sizes.filter((entry) => entry.weight > 0);
    let cumulative = 0;
    const buckets = kept.map((entry, k) => {
      cumulative += entry.weight;
      const below = k === kept.length - 1 ? 2 ** 32 : Math.round((cumulative / total) * 2 ** 32);
      return { bytes: entry.bytes, below };
    });
    form = {
      text,
      min: Math.min(...kept.map((entry) => entry.bytes)),
      max: Math.max(...kept.map((entry) => entry.bytes)),
      mean: buckets.reduce(
        (sum, bucket, k) => sum + bucket.bytes * (bucket.below - (buckets[k - 1]?.below ?? 0)),
        0,
      ) / 2 ** 32,
      buckets,
    };
  } else {
    const range = /^([^-]+)-([^-]+)$/.exec(text);
    if (range) {
      const min = one(range[1]!, text);
      const max = one(range[2]!, text);
      if (min > max) {
        throw new SizeFormError(
          `range "${text}" starts above its end (${min} > ${max}): write the smaller size first`,
        );
      }
      form = { text, min, max, mean: (min + max) / 2 };
    } else {
      const bytes = one(text, text);
      form = { text, min: bytes, max: bytes, mean: bytes };
    }
  }
  if (form.min < least) {
    throw new SizeFormError(`"${text}" gives ${form.min}: expected sizes of at least ${least}`);
  }
  if (form.max > MOST) {
    throw new SizeFormError(
      `"${text}" gives ${form.max}: expected sizes of at most 512MiB (a Redis bulk string's limit)`,
    );
  }
  return form;
}

/**
 * The problem with a size form, or undefined when it parses (for schema refinements).
 *
 * @param value The form as written.
 * @param least The smallest size allowed.
 * @returns The problem, as a phrase.
 */
export function sizeFormProblem(value: string | number, least = 1): string | undefined {
  try {
    parseSizeForm(value, least);
    return undefined;
  } catch (error) {
    if (error instanceof SizeFormError) return error.message;
    throw error;
  }
}

/**
 * The size a 32-bit hash picks from a form: uniform over a range, by weight from a list.
 *
 * @param form The form.
 * @param hash A 32-bit unsigned hash.
 * @returns The size.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseSizeForm, pickSize } from "./sizes.ts";
 * const form = parseSizeForm("10:1,20:1");
 * equal(pickSize(form, 0), 10);
 * equal(pickSize(form, 0xffffffff), 20);
 * ```
 */
export function pickSize(form: SizeForm, hash: number): number {
  const buckets = form.buckets;
  if (buckets !== undefined) {
    for (const bucket of buckets) if (hash < bucket.below) return bucket.bytes;
    return buckets[buckets.length - 1]!.bytes;
  }
  if (form.min === form.max) return form.min;
  return form.min + Math.floor((hash / 2 ** 32) * (form.max - form.min + 1));
}
