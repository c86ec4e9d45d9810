/**
 * `deno task bench` end to end, as a subprocess against real local servers: the gate fails
 * with every crossed threshold named and its measured value, passes with loose thresholds,
 * and the JSON it writes has the documented shape. Bad flags exit 2 with one sentence.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bench } from "./_bench.ts";
import type { BenchReport } from "../../bench/results.ts";

async function thresholdsFile(dir: string, thresholds: unknown[]): Promise<string> {
  const path = `${dir}/thresholds.json`;
  await Deno.writeTextFile(path, JSON.stringify({ version: 1, thresholds }));
  return path;
}

const TINY = ["--macro", "--size", "8MB", "--rounds", "1"];

Deno.test("bench --check exits 1 naming every crossed threshold with its measured value", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-bench-test-" });
  try {
    const thresholds = await thresholdsFile(dir, [
      { ratio: "standalone/ceiling.throughput", min: 1000 },
      { ratio: "cluster-3x0/standalone.client-cpu", max: 0.001 },
      { ratio: "tls/standalone.throughput", min: 0.001 },
    ]);
    const json = `${dir}/report.json`;
    const result = await bench([...TINY, "--check", "--thresholds", thresholds, "--json", json]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(await Deno.readTextFile(json)) as BenchReport;
    const value = (id: string) =>
      String(Number(report.macro!.ratios.find((r) => r.id === id)!.value.toFixed(3)));
    const lines = result.stderr.trim().split("\n");
    assert.deepEqual(lines, [
      `Benchmark check failed: 2 thresholds in "${thresholds}" crossed`,
      `  ✗ standalone/ceiling.throughput >= 1000: observed ${
        value("standalone/ceiling.throughput")
      } (standalone fill MiB/s ÷ raw ceiling MiB/s)`,
      `  ✗ cluster-3x0/standalone.client-cpu <= 0.001: observed ${
        value("cluster-3x0/standalone.client-cpu")
      } (cluster 3 masters client CPU/GiB ÷ standalone client CPU/GiB)`,
    ]);
    assert.equal(report.check?.crossed.length, 2);
    assert.match(result.stdout, /Check failed: 2 threshold\(s\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench --check exits 0 with loose thresholds and writes the documented JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-bench-test-" });
  try {
    const thresholds = await thresholdsFile(dir, [
      { ratio: "standalone/ceiling.throughput", threshold: ">= 0.01" },
      { ratio: "cluster-3x3/standalone.client-cpu", max: 100 },
    ]);
    const json = `${dir}/report.json`;
    const markdown = `${dir}/report.md`;
    const result = await bench([
      ...TINY,
      "--check",
      "--thresholds",
      thresholds,
      "--json",
      json,
      "--markdown",
      markdown,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(await Deno.readTextFile(json)) as BenchReport;
    assert.equal(report.schema, "redfill-bench/1");
    assert.ok(report.machine.cores >= 1);
    assert.equal(report.machine.loadAverage.start.length, 3);
    assert.match(report.versions.redis ?? "", /^\d+\.\d+\.\d+$/);
    assert.equal(report.parameters.sizeBytes, 8 * 1024 * 1024);
    assert.equal(report.parameters.keys, 8192);
    assert.equal(report.micro, null);
    const macro = report.macro!;
    assert.deepEqual(
      macro.cases.map((c) => c.id),
      ["ceiling", "standalone", "cluster-3x0", "cluster-3x3", "tls"],
    );
    assert.equal(macro.runs.length, 5);
    for (const run of macro.runs) {
      assert.equal(run.keys, 8192, run.case);
      assert.ok(run.mibPerSecond > 0 && run.clientCpuPerGib > 0, run.case);
      assert.ok(run.peakRssBytes > 0 && run.serverCpuSeconds > 0, run.case);
    }
    assert.equal(macro.runs.find((r) => r.case === "cluster-3x3")!.replicaCpuSeconds > 0, true);
    for (const id of ["ceiling", "standalone", "cluster-3x0", "cluster-3x3", "tls"] as const) {
      assert.ok(macro.medians[id]!.mibPerSecond > 0, id);
    }
    assert.deepEqual(macro.ratios.map((r) => r.id), [
      "standalone/ceiling.throughput",
      "cluster-3x0/standalone.throughput",
      "cluster-3x0/standalone.client-cpu",
      "cluster-3x3/standalone.throughput",
      "cluster-3x3/standalone.client-cpu",
      "tls/standalone.throughput",
      "tls/standalone.client-cpu",
      "verify-count/standalone.time",
      "verify-full/standalone.time",
      "verify-count/cluster-3x0.time",
      "verify-full/cluster-3x0.time",
    ]);
    // Verify ran after the standalone and 3-master fills, on what they wrote, and passed.
    assert.deepEqual(
      macro.verify.runs.map((run) => `${run.case}.${run.mode}`),
      ["standalone.count", "standalone.full", "cluster-3x0.count", "cluster-3x0.full"],
    );
    for (const run of macro.verify.runs) {
      assert.equal(run.keys, 8192);
      assert.ok(run.ok && run.keysPerSecond > 0 && run.secondsPerGib > 0 && run.fillRatio > 0);
    }
    assert.equal(macro.verify.medians.length, 4);
    assert.match(result.stdout, /│ standalone fill +│ exact count +│/);
    for (const ratio of macro.ratios) assert.ok(ratio.value > 0 && ratio.perRound.length === 1);
    const ratioText = (id: string) =>
      String(Number(macro.ratios.find((r) => r.id === id)!.value.toFixed(3)));
    assert.deepEqual(report.check, {
      file: thresholds,
      checked: 2,
      crossed: [],
      results: [
        {
          metric: "standalone/ceiling.throughput",
          expression: ">= 0.01",
          ok: true,
          observedText: ratioText("standalone/ceiling.throughput"),
        },
        {
          metric: "cluster-3x3/standalone.client-cpu",
          expression: "<= 100",
          ok: true,
          observedText: ratioText("cluster-3x3/standalone.client-cpu"),
        },
      ],
      skipped: [],
    });
    // The same ✓ line a pipeline's report prints for its thresholds.
    assert.match(
      result.stdout,
      /^ {2}✓ standalone\/ceiling\.throughput >= 0\.01: observed [\d.]+$/m,
    );
    assert.match(await Deno.readTextFile(markdown), /^### redfill bench:/);
    assert.match(result.stdout, /Check passed: 2 thresholds/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench --check --cases ceiling,standalone judges only the ratios it measured and names the others", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-bench-test-" });
  try {
    const thresholds = await thresholdsFile(dir, [
      { ratio: "standalone/ceiling.throughput", min: 0.01 },
      { ratio: "cluster-3x0/standalone.throughput", min: 1000 },
      { ratio: "tls/standalone.throughput", min: 1000 },
    ]);
    const json = `${dir}/report.json`;
    const result = await bench([
      ...TINY,
      "--cases",
      "ceiling,standalone",
      "--check",
      "--thresholds",
      thresholds,
      "--json",
      json,
    ]);
    // The two impossible bounds are on ratios of cases that did not run: skipped, not crossed.
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(await Deno.readTextFile(json)) as BenchReport;
    assert.deepEqual(report.check, {
      file: thresholds,
      checked: 1,
      crossed: [],
      results: [{
        metric: "standalone/ceiling.throughput",
        expression: ">= 0.01",
        ok: true,
        observedText: report.check?.results?.[0]?.observedText,
      }],
      skipped: [
        { ratio: "cluster-3x0/standalone.throughput", missing: ["cluster-3x0"] },
        { ratio: "tls/standalone.throughput", missing: ["tls"] },
      ],
    });
    assert.match(result.stdout, /Check passed: 1 threshold in /);
    assert.ok(
      result.stdout.includes(
        `Skipped 2 thresholds in "${thresholds}" whose cases were not run: ` +
          "cluster-3x0/standalone.throughput (needs cluster-3x0), tls/standalone.throughput (needs tls)",
      ),
      result.stdout,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench rejects a bad flag with one sentence and exit 2", async () => {
  const rounds = await bench(["--macro", "--rounds", "x"]);
  assert.equal(rounds.code, 2);
  assert.equal(
    rounds.stderr.trim(),
    `Invalid --rounds "x": expected a whole number from 1 to 100`,
  );
  const unknown = await bench(["--sise", "8MB"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split("\n").length, 1);
  assert.equal(unknown.stderr, 'Unknown option "--sise". Did you mean "--size"?\n');
  const both = await bench(["--micro", "--check"]);
  assert.equal(both.code, 2);
  assert.equal(both.stderr.trim(), `"--check" gates on macro ratios: drop "--micro"`);
});

Deno.test("bench --check names a thresholds file that does not exist", async () => {
  const result = await bench(["--check", "--thresholds", "/nonexistent/thresholds.json"]);
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr.trim(),
    `Cannot read the thresholds file "/nonexistent/thresholds.json": no such file`,
  );
});
