import assert from "node:assert/strict";
import { checkFailure, checkRatios, describeSkipped, loadThresholds } from "../../bench/check.ts";
import {
  computeRatios,
  median,
  type RunResult,
  verifyMedians,
  verifyRatios,
  type VerifyRunResult,
} from "../../bench/results.ts";
import { CheckFailedError, UsageError } from "../../lib/errors.ts";

function run(id: RunResult["case"], round: number, mibPerSecond: number, cpu: number): RunResult {
  return {
    case: id,
    round,
    keys: 1,
    bytes: 1024,
    dbsize: 1,
    durationMs: 1,
    mibPerSecond,
    clientCpuSeconds: cpu,
    clientCpuPerGib: cpu,
    peakRssBytes: 1,
    serverCpuSeconds: 1,
    serverCpuPerGib: 1,
    replicaCpuSeconds: 0,
    loadAverage1m: 0,
  };
}

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("computeRatios() pairs runs by round and takes the median of the per-round ratios", () => {
  const runs = [
    run("ceiling", 1, 100, 0.1),
    run("standalone", 1, 90, 0.5),
    run("ceiling", 2, 200, 0.1),
    run("standalone", 2, 190, 0.5),
    run("ceiling", 3, 100, 0.1),
    run("standalone", 3, 100, 0.5),
    run("cluster-3x0", 3, 50, 1.0),
  ];
  const ratios = computeRatios(runs);
  const throughput = ratios.find((r) => r.id === "standalone/ceiling.throughput")!;
  assert.deepEqual(throughput.perRound, [0.9, 0.95, 1]);
  assert.equal(throughput.value, 0.95);
  const cpu = ratios.find((r) => r.id === "cluster-3x0/standalone.client-cpu")!;
  assert.deepEqual(cpu.perRound, [2]);
  assert.equal(ratios.find((r) => r.id === "tls/standalone.throughput"), undefined);
});

Deno.test("checkRatios() names every crossed bound with its measured value", () => {
  const ratios = computeRatios([
    run("ceiling", 1, 100, 0.1),
    run("standalone", 1, 80, 0.5),
    run("cluster-3x0", 1, 80, 0.6),
  ]);
  const outcome = checkRatios(ratios, [
    { ratio: "standalone/ceiling.throughput", min: 0.9 },
    { ratio: "cluster-3x0/standalone.client-cpu", max: 1.1 },
    { ratio: "cluster-3x0/standalone.throughput", min: 0.9 },
    { ratio: "tls/standalone.throughput", min: 0.5 },
  ], "t.json");
  assert.equal(outcome.checked, 4);
  assert.deepEqual(outcome.crossed.map((c) => c.message), [
    "✗ standalone/ceiling.throughput >= 0.9: observed 0.8 (standalone fill MiB/s ÷ raw ceiling MiB/s)",
    "✗ cluster-3x0/standalone.client-cpu <= 1.1: observed 1.2 (cluster 3 masters client CPU/GiB ÷ standalone client CPU/GiB)",
    "✗ tls/standalone.throughput >= 0.5: not measured",
  ]);
  assert.deepEqual(outcome.results?.map((r) => [r.metric, r.expression, r.ok]), [
    ["standalone/ceiling.throughput", ">= 0.9", false],
    ["cluster-3x0/standalone.client-cpu", "<= 1.1", false],
    ["cluster-3x0/standalone.throughput", ">= 0.9", true],
    ["tls/standalone.throughput", ">= 0.5", false],
  ]);
  const error = checkFailure(outcome);
  assert.ok(error instanceof CheckFailedError);
  assert.equal(error.exitCode, 1);
  assert.equal(
    error.message.split("\n")[0],
    `Benchmark check failed: 3 thresholds in "t.json" crossed`,
  );
});

Deno.test("checkRatios() reads a threshold expression as a pipeline's thresholds do", () => {
  const ratios = computeRatios([run("ceiling", 1, 100, 0.1), run("standalone", 1, 80, 0.5)]);
  const outcome = checkRatios(
    ratios,
    [
      { ratio: "standalone/ceiling.throughput", threshold: "> 0.75" },
      { ratio: "standalone/ceiling.throughput", threshold: "< 0.5" },
    ],
    "t.json",
    { cases: ["ceiling", "standalone"] },
  );
  assert.deepEqual(outcome.results?.map((r) => r.ok), [true, false]);
  assert.deepEqual(outcome.crossed.map((c) => [c.bound, c.limit, c.expression]), [
    ["max", 0.5, "< 0.5"],
  ]);
});

Deno.test("loadThresholds() rejects an unknown ratio and a threshold without a bound", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/t.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({ version: 1, thresholds: [{ ratio: "standalone/ceiling", min: 1 }] }),
    );
    await assert.rejects(
      loadThresholds(path),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message.startsWith(`Unknown ratio "standalone/ceiling" in the thresholds file`),
    );
    await Deno.writeTextFile(
      path,
      JSON.stringify({ version: 1, thresholds: [{ ratio: "tls/standalone.throughput" }] }),
    );
    await assert.rejects(loadThresholds(path), {
      message:
        `The thresholds file "${path}" is invalid at "thresholds.0": needs a threshold (like ">= 0.85"), or min or max`,
    });
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        version: 1,
        thresholds: [{ ratio: "tls/standalone.throughput", threshold: ">= 50%" }],
      }),
    );
    await assert.rejects(loadThresholds(path), {
      message:
        `The thresholds file "${path}" is invalid at "thresholds.0.threshold": a ratio has no unit, so write a plain number: ">= 50%"`,
    });
    const shipped = await loadThresholds(
      new URL("../../bench/thresholds.json", import.meta.url).pathname,
    );
    assert.ok(shipped.length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkRatios() skips a threshold whose cases did not run, and still fails one whose cases ran", () => {
  const ratios = computeRatios([run("ceiling", 1, 100, 0.1), run("standalone", 1, 80, 0.5)]);
  const outcome = checkRatios(
    ratios,
    [
      { ratio: "standalone/ceiling.throughput", min: 0.9 },
      { ratio: "cluster-3x3/standalone.client-cpu", max: 1.1 },
      { ratio: "tls/standalone.throughput", min: 0.5 },
    ],
    "t.json",
    { cases: ["ceiling", "standalone", "tls"] },
  );
  assert.equal(outcome.checked, 2);
  assert.deepEqual(outcome.skipped, [
    { ratio: "cluster-3x3/standalone.client-cpu", missing: ["cluster-3x3"] },
  ]);
  // tls ran but gave no ratio: that is a failure, not a skip.
  assert.deepEqual(outcome.crossed.map((c) => c.ratio), [
    "standalone/ceiling.throughput",
    "tls/standalone.throughput",
  ]);
  assert.equal(
    describeSkipped(outcome),
    'Skipped 1 threshold in "t.json" whose cases were not run: cluster-3x3/standalone.client-cpu (needs cluster-3x3)',
  );
});

Deno.test("verifyRatios() and verifyMedians() take the median over rounds of verify's time against the fill's", () => {
  const verify = (round: number, mode: "count" | "full", fillRatio: number): VerifyRunResult => ({
    case: "standalone",
    round,
    mode,
    keys: 10,
    durationMs: 100 * fillRatio,
    keysPerSecond: 10 / (0.1 * fillRatio),
    secondsPerGib: fillRatio,
    fillRatio,
    clientCpuSeconds: 0.1,
    peakRssBytes: 1,
    ok: true,
  });
  const runs = [verify(2, "count", 0.3), verify(1, "count", 0.2), verify(3, "count", 0.25)];
  assert.deepEqual(
    verifyRatios([...runs, verify(1, "full", 0.5)]).map((r) => [r.id, r.value, r.perRound]),
    [
      ["verify-count/standalone.time", 0.25, [0.2, 0.3, 0.25]],
      ["verify-full/standalone.time", 0.5, [0.5]],
    ],
  );
  assert.deepEqual(verifyMedians(runs).map((m) => [m.case, m.mode, m.fillRatio]), [
    ["standalone", "count", 0.25],
  ]);
});

Deno.test("checkRatios() skips a verify ratio whose fill case did not run, or when verify was not measured", () => {
  const thresholds = [
    { ratio: "verify-count/standalone.time", max: 0.75 },
    { ratio: "verify-full/cluster-3x0.time", max: 1.5 },
  ];
  const onlyStandalone = checkRatios([], thresholds, "t.json", { cases: ["standalone"] });
  assert.deepEqual(onlyStandalone.skipped, [
    { ratio: "verify-full/cluster-3x0.time", missing: ["cluster-3x0"] },
  ]);
  assert.deepEqual(onlyStandalone.crossed.map((c) => c.ratio), ["verify-count/standalone.time"]);
  const noVerify = checkRatios([], thresholds, "t.json", { verify: false });
  assert.deepEqual(noVerify.skipped.map((skip) => skip.missing), [["verify"], ["verify"]]);
  assert.equal(noVerify.checked, 0);
});
