import assert from "node:assert/strict";
import { isUserError } from "../../lib/errors.ts";
import { LocalRedisError } from "../../lib/local/mod.ts";

Deno.test("LocalRedisError is a user error with exit 3 and keeps its cause", () => {
  const cause = new Error("bind: Address already in use");
  const error = new LocalRedisError("Local redis-server exited while starting", { cause });
  assert.equal(error.exitCode, 3);
  assert.equal(error.name, "LocalRedisError");
  assert.equal(error.cause, cause);
  assert.equal(isUserError(error), true);
});
