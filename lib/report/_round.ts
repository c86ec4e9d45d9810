/**
 * Rounding of the report's numbers (private to `lib/report`).
 *
 * @module
 */

/**
 * Rounds to a number of decimal digits.
 *
 * @param value The number.
 * @param digits Decimal digits to keep.
 * @returns The rounded number.
 */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
