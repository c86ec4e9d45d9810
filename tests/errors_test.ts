import assert from "node:assert/strict";
import {
  CheckFailedError,
  ConnectionError,
  ExitCode,
  FillError,
  InternalError,
  InterruptedError,
  isUserError,
  MissingProgramError,
  PluginStepError,
  RedfillError,
  UsageError,
} from "../lib/errors.ts";

Deno.test("each user error carries the exit code of DESIGN.md and its own name", () => {
  const cases: [RedfillError, number, string][] = [
    [new CheckFailedError("Verify failed"), 1, "CheckFailedError"],
    [new UsageError("Bad flag"), 2, "UsageError"],
    [new ConnectionError("Cannot connect"), 3, "ConnectionError"],
    [new FillError("Node lost"), 4, "FillError"],
    [new PluginStepError("doctor", "./doctor.ts", { cause: new Error("x") }), 5, "PluginStepError"],
    [new InternalError({ cause: new TypeError("x") }), 70, "InternalError"],
    [new InterruptedError(), 130, "InterruptedError"],
    [new InterruptedError("Stopped", { signal: "SIGTERM" }), 143, "InterruptedError"],
  ];
  for (const [error, exitCode, name] of cases) {
    assert.equal(error.exitCode, exitCode, name);
    assert.equal(error.name, name);
    assert.ok(error instanceof RedfillError && error instanceof Error);
  }
  assert.deepEqual(Object.values(ExitCode), [0, 1, 2, 3, 4, 5, 70, 130, 143]);
});

Deno.test("RedfillError keeps its cause only when one is given", () => {
  const cause = new Error("ECONNREFUSED");
  assert.equal(new ConnectionError("Cannot connect", { cause }).cause, cause);
  assert.equal("cause" in new ConnectionError("Cannot connect"), false);
  assert.equal(new InterruptedError().message, "Interrupted");
});

Deno.test("MissingProgramError names the program and how to install it, as a usage error", () => {
  const error = new MissingProgramError("redis-server", "apt-get install -y redis-server");
  assert.equal(
    error.message,
    'Cannot find "redis-server" on PATH: install it with "apt-get install -y redis-server"',
  );
  assert.equal(error.exitCode, 2);
  assert.ok(error instanceof UsageError);
});

Deno.test("isUserError() is true for redfill's errors and false for bugs", () => {
  assert.equal(isUserError(new FillError("x")), true);
  assert.equal(isUserError(new TypeError("undefined is not a function")), false);
  assert.equal(isUserError(new InternalError({ cause: new TypeError("x") })), false);
  assert.equal(isUserError(new PluginStepError("s", "./s.ts", { cause: new Error("x") })), true);
  assert.equal(isUserError("a string"), false);
  assert.equal(isUserError(undefined), false);
});
