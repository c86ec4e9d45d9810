/**
 * The assertions the pipeline tests use, from `node:assert/strict`, with std-like names.
 *
 * @module
 */

import assert from "node:assert/strict";

/** Asserts deep equality. */
export function assertEquals<T>(
  actual: unknown,
  expected: T,
  message?: string,
): asserts actual is T {
  assert.deepStrictEqual(actual, expected, message);
}

/** Asserts a value is truthy. */
export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

/** Asserts that a function throws an instance of a class whose message includes a text. */
export function assertThrows(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  includes: string,
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  return checkError(caught, type, includes);
}

/** Asserts that a promise rejects with an instance of a class whose message includes a text. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  includes: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  return checkError(caught, type, includes);
}

function checkError(
  caught: unknown,
  type: abstract new (...args: never[]) => Error,
  includes: string,
): Error {
  assert.ok(caught !== undefined, "Expected an error, but nothing was thrown");
  assert.ok(caught instanceof type, `Expected ${type.name}, got ${String(caught)}`);
  assert.ok(
    caught.message.includes(includes),
    `Expected the message to include ${JSON.stringify(includes)}, got:\n${caught.message}`,
  );
  return caught;
}
