import assert from "node:assert/strict";
import { CheckFailedError } from "../../lib/errors.ts";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { RunReport } from "../../lib/report/model.ts";
import { verifyFailure, verifyVerdict } from "../../lib/steps/verify.ts";
import { displayKey } from "../../lib/verify/verify.ts";
import type { FillResult, VerifyResult } from "../../lib/types.ts";
import { withTransport } from "../_local.ts";
import { runSteps } from "./_run.ts";

/** A verify result with the given checks and counts. */
function result(checks: VerifyResult["checks"], found = 10): VerifyResult {
  return {
    ok: checks.every((check) => check.ok),
    checks,
    totalKeys: found,
    expectedKeys: 10,
    maxDeviation: 0.0512,
    tolerance: 0.125,
    sampled: 10,
    mismatched: 10 - found,
    nodes: [],
  };
}

Deno.test("verifyVerdict() gives the verdict, the counts, the deviation and the sample", () => {
  assert.equal(
    verifyVerdict(result([{ name: "count", ok: true, detail: "10 of 10" }])),
    "Verify passed: 10 of 10 keys, largest deviation 5.12% (tolerance ±12.5%), 10 of 10 sampled keys match",
  );
  assert.equal(
    verifyVerdict(result([
      { name: "count", ok: false, detail: "2 keys missing" },
      { name: "distribution", ok: true, detail: "fine" },
      { name: "content", ok: false, detail: "2 wrong" },
    ], 8)),
    "Verify failed (count, content): 8 of 10 keys, largest deviation 5.12% (tolerance ±12.5%), 8 of 10 sampled keys match",
  );
});

Deno.test("verifyFailure() is exit 1 naming every failed check with its numbers", () => {
  const error = verifyFailure(result([
    { name: "count", ok: false, detail: "2 keys missing: found 8 of 10" },
    { name: "ttl", ok: true, detail: "fine" },
    { name: "content", ok: false, detail: "1 of 10 sampled keys are wrong" },
  ], 8));
  assert.ok(error instanceof CheckFailedError);
  assert.equal(error.exitCode, 1);
  assert.equal(
    error.message,
    "Verify failed: count: 2 keys missing: found 8 of 10; content: 1 of 10 sampled keys are wrong",
  );
});

Deno.test("verify passes after a fill and provides its result", async () => {
  await using local = await startLocalRedis();
  const { result: run, lines } = await runSteps(
    local,
    "  - connect\n  - flush\n  - fill: { size: 1MiB, key-size: 64, value-size: 64 }\n" +
      "  - verify: { sample: 50, tolerance: 0.1 }\n",
  );
  assert.equal(run.error?.message, undefined);
  const verify = run.outputs.get("verify") as VerifyResult;
  assert.deepEqual(
    [verify.ok, verify.totalKeys, verify.expectedKeys, verify.sampled, verify.tolerance],
    [true, 8192, 8192, 50, 0.1],
  );
  assert.ok(lines.includes(`info: ${verifyVerdict(verify)}`), lines.join("\n"));
});

Deno.test("verify fails with exit 1 naming 10 missing keys, after providing its result", async () => {
  await using local = await startLocalRedis();
  const fill = await runSteps(
    local,
    "  - connect\n  - flush\n  - fill: { size: 8MiB, key-size: 64, value-size: 64, seed: 7 }\n",
  );
  const keyspace = new Keyspace((fill.result.outputs.get("fill") as FillResult).keyspace);
  await withTransport(local, async (transport) => {
    // Indices 1 … 10 are not in the sample (0, 65, 130, …): only the count can see them.
    const keys = Array.from({ length: 10 }, (_, k) => keyspace.keyString(k + 1));
    assert.equal(await transport.call(["DEL", ...keys]), 10);
  });
  const { result: run, lines } = await runSteps(
    local,
    "  - connect\n" +
      "  - keyspace: { size: 8MiB, key-size: 64, value-size: 64, seed: 7, flushed: true }\n" +
      "  - verify\n  - report: { format: json, out: /dev/null }\n",
  );
  assert.equal(run.exitCode, 1);
  assert.ok(run.error instanceof CheckFailedError);
  const named = [1, 2, 3].map((index) => `"${displayKey(keyspace, index)}" (index ${index})`);
  assert.equal(
    run.error.message,
    `Verify failed: count: 10 keys missing: found 65526 of 65536, exact (EXISTS of this fill's keys); missing ${
      named.join(", ")
    }, and 7 more`,
  );
  assert.ok(lines.some((line) => line.startsWith("warn: Verify failed (count)")), lines.join("\n"));
  // The report ran after the failure and found the result verify provided before failing.
  const report = run.outputs.get("report") as RunReport;
  assert.deepEqual([report.verify?.verdict, report.verify?.totalKeys], ["fail", 65526]);
});
