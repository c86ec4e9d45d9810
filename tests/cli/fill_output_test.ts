import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { addressFlags, assertFailure, type CliRun, runFillCli } from "../_cli.ts";

/** Everything a run printed. */
function output(run: CliRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

/** Sizes and rates in powers of 1000 (`64 MB`, `8.2 MB/s`, `per GB`): none may be printed. */
const DECIMAL_UNIT = /\d\s?[kKMGT]B\b|\bMB\/s|\bper GB\b|\bGB\b/;

Deno.test("every output of a 64 MiB fill says MiB and MiB/s, never MB or GB", async () => {
  await using redis = await startLocalRedis();
  const base = [...addressFlags(redis), "-d", "64MB", "-f"];
  // One after another: each run flushes the server.
  const runs: Record<string, CliRun> = {};
  for (const format of ["table", "md", "json"]) {
    runs[format] = await runFillCli([...base, "--report", format]);
    assert.equal(runs[format]!.code, 0, runs[format]!.stderr);
  }
  for (const [format, run] of Object.entries(runs)) {
    assert.doesNotMatch(output(run), DECIMAL_UNIT, `${format}:\n${output(run)}`);
    // The progress line and the fill's last line give the rate in MiB/s.
    assert.match(run.stderr, /^\d+\.\d MiB of 64\.0 MiB \(\d+%\), [\d,]+ keys, \d+\.\d MiB\/s/m);
    assert.match(run.stderr, /^Wrote 65536 keys, 64\.0 MiB in \S+ m?s \(\d+\.\d MiB\/s\)$/m);
  }
  assert.match(runs.table!.stdout, /^Fill +65,536 keys, 64\.0 MiB in .*: \d+\.\d MiB\/s/m);
  assert.match(
    runs.table!.stdout,
    /^Client +\d+\.\d\d CPU-s \(\d+\.\d\d CPU-s per GiB\), peak RSS \d+\.\d MiB$/m,
  );
  assert.match(
    runs.md!.stdout,
    /^\| \*\*Fill\*\* \| 65,536 keys, 64\.0 MiB in .*: \d+\.\d MiB\/s/m,
  );
  assert.match(runs.md!.stdout, /^\| \*\*Client\*\* \| .*CPU-s per GiB\), peak RSS/m);
  const report = JSON.parse(runs.json!.stdout);
  assert.equal(report.fill.bytes, 64 * 1024 * 1024);
  assert.equal(
    report.fill.mibPerSecond,
    Math.round((64 / (report.fill.durationMs / 1000)) * 1000) / 1000,
  );
  assert.equal(typeof report.fill.client.cpuSecondsPerGib, "number");
});

Deno.test("a --rate 8 fill of 16 MiB reports at most 8.0 MiB/s, in the report and the log", async () => {
  await using redis = await startLocalRedis();
  const run = await runFillCli([
    ...addressFlags(redis),
    "-d",
    "16MB",
    "--rate",
    "8",
    "-f",
    "--no-verify",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.fill.bytes, 16 * 1024 * 1024);
  assert.ok(report.fill.mibPerSecond <= 8, `${report.fill.mibPerSecond} MiB/s`);
  const logged = /^Wrote 16384 keys, 16\.0 MiB in \S+ s \((\d+\.\d) MiB\/s\)$/m.exec(run.stderr);
  assert.ok(logged !== null, run.stderr);
  assert.ok(Number(logged[1]) <= 8, logged[0]);
});

Deno.test("deno task fill refuses --pipeline above 256 MiB and -d 0 with one sentence, before connecting", async () => {
  // 192.0.2.1 answers nobody: a run that tried to connect would end in exit 3.
  const host = ["-h", "192.0.2.1"];
  const [pipeline, empty] = await Promise.all([
    runFillCli([...host, "--pipeline", "10GB"]),
    runFillCli([...host, "-d", "0"]),
  ]);
  assertFailure(
    pipeline,
    2,
    /^A batch buffer \(--pipeline\) may take at most 256\.0 MiB, not 10\.0 GiB: use a smaller size \(each writer has two\)$/,
  );
  assertFailure(
    empty,
    2,
    /^A fill of 0 bytes writes nothing: give --data a size above 0, like 64MB$/,
  );
});

Deno.test("an explicit --pipeline is shrunk so that all batch buffers take at most 512 MiB, with a warning", async () => {
  await using redis = await startLocalRedis();
  // 4 writers × 2 buffers × 256 MiB would be 2 GiB.
  const run = await runFillCli([
    ...addressFlags(redis),
    "-n",
    "4",
    "--pipeline",
    "256MiB",
    "-d",
    "1MB",
    "-f",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /^warning: Batch buffers of 256\.0 MiB for 4 writers \(two each\) would take 2\.0 GiB: using 64\.0 MiB each, 512\.0 MiB in all \(the most batch buffers may take\)$/m,
  );
  assert.match(run.stderr, /^Verify passed: 1024 of 1024 keys/m);
});
