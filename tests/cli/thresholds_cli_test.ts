import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { sleep } from "../../lib/time.ts";
import { addressFlags, runDeno, runFillCli } from "../_cli.ts";

interface Threshold {
  metric: string;
  expression: string;
  ok: boolean;
  observed: number | null;
  observedText: string;
  stoppedRun: boolean;
}

interface JsonReport {
  status: string;
  ok: boolean;
  fill: {
    keys: number;
    interrupted: boolean;
    keyspace: { count: number };
    limit: {
      kind: string;
      summary: string;
      clientCpu: number;
      serverCpuMax: number | null;
      servers: { address: string; cpu: number; opsPerSecond: number }[];
      unavailable: string | null;
    } | null;
  };
  thresholds: Threshold[];
  steps: { id: string; ok: boolean; durationMs: number; error: string | null }[];
}

async function readReport(path: string): Promise<JsonReport> {
  return JSON.parse(await Deno.readTextFile(path)) as JsonReport;
}

Deno.test("deno task fill --threshold: an impossible one reports ✗ with the observed value and exits 1, a trivial one exits 0", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir();
  const out = join(dir, "report.json");
  const failing = await runFillCli([
    ...addressFlags(local),
    "-d",
    "4MiB",
    "--no-verify",
    "--threshold",
    "fill.throughput>100GiB/s",
    "--threshold",
    "fill.keys==4096",
  ]);
  assert.equal(failing.code, 1, failing.stderr);
  assert.match(
    failing.stdout,
    /^ {2}✗ fill\.throughput > 100 GiB\/s: observed \d+(\.\d)? MiB\/s$/m,
  );
  assert.match(failing.stdout, /^ {2}✓ fill\.keys == 4096: observed 4096$/m);
  assert.match(
    failing.stderr,
    /A threshold failed: fill\.throughput > 100 GiB\/s \(observed \d+(\.\d)? MiB\/s\)\n$/,
  );

  const passing = await runFillCli([
    ...addressFlags(local),
    "-d",
    "4MiB",
    "--threshold",
    "fill.throughput>1KiB/s",
    "--threshold",
    "verify.missing==0",
    "--report",
    "json",
    "--out",
    out,
  ]);
  assert.equal(passing.code, 0, passing.stderr);
  const report = await readReport(out);
  assert.equal(report.status, "passed");
  assert.deepEqual(report.thresholds.map((entry) => [entry.metric, entry.ok]), [
    ["fill.throughput", true],
    ["verify.missing", true],
  ]);
  assert.ok(report.thresholds[0]!.observed! > 0.001);
  assert.equal(report.thresholds[1]!.observed, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task fill --threshold names a bad one by its flag and exits 2 before connecting", async () => {
  const cases: [string, string][] = [
    [
      "fill.thruput>100MiB/s",
      'Invalid --threshold "fill.thruput>100MiB/s": no step of this pipeline measures "fill.thruput". Did you mean "fill.throughput"?',
    ],
    [
      "fill.throughput>100MiB",
      'Invalid --threshold "fill.throughput>100MiB": the unit "MiB" does not fit a metric in MiB/s: write a rate like 100MiB/s (KiB/s, MiB/s, GiB/s)',
    ],
    [
      "fill.throughput",
      'Invalid --threshold "fill.throughput": expected a metric, an operator and a limit, like "fill.throughput>100MiB/s", not "fill.throughput"',
    ],
  ];
  for (const [typed, message] of cases) {
    // Port 1 is never listened on: a message about connecting would mean it got that far.
    const run = await runFillCli(["-h", "127.0.0.1", "-p", "1", "--threshold", typed]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split("\n").at(-1), message);
  }
});

Deno.test("abort-on-fail stops a long fill within 2 s of its first sample, with a partial report", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir();
  const out = join(dir, "report.json");
  const run = await runDeno(
    ["run", "-A", "tasks/redfill.ts", "run", "fixtures/pipelines/abort_on_fail.yaml"],
    { env: { PORT: String(local.nodes[0]!.port), OUT: out } },
  );
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    /Threshold fill\.throughput > 100 GiB\/s failed \(observed [\d.]+ MiB\/s\): abort-on-fail stopped step "fill", and the run/,
  );
  const report = await readReport(out);
  assert.equal(report.status, "failed");
  assert.equal(report.fill.interrupted, true);
  assert.ok(report.fill.keys > 0 && report.fill.keys < report.fill.keyspace.count);
  assert.equal(report.thresholds.length, 1);
  assert.equal(report.thresholds[0]!.stoppedRun, true);
  assert.equal(report.thresholds[0]!.ok, false);
  const fill = report.steps.find((step) => step.id === "fill")!;
  assert.equal(fill.ok, false);
  // The first sample comes one second in; it stops within 2 s of it.
  assert.ok(fill.durationMs < 3000, `the fill ran ${fill.durationMs} ms`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the report says what limited a local fill, with each side's CPU", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir();
  const out = join(dir, "report.json");
  const run = await runFillCli([
    ...addressFlags(local),
    "-d",
    "64MiB",
    "--no-verify",
    "--report",
    "json",
    "--out",
    out,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const limit = (await readReport(out)).fill.limit!;
  // Which side it is depends on the machine (two shared cores here): the verdict must follow
  // the numbers it shows.
  assert.match(
    limit.summary,
    /^(server-bound \(127\.0\.0\.1:\d+ used \d\.\d\d of a core; the client \d\.\d\d\)|client-bound \(the client used \d\.\d\d of a core; the busiest server 127\.0\.0\.1:\d+ \d\.\d\d\)|latency-bound \(neither side busy: the busiest server 127\.0\.0\.1:\d+ used \d\.\d\d of a core, the client \d\.\d\d(; the machine was busy: load \d+\.\d on \d+ cores)?\))$/,
  );
  assert.equal(limit.servers.length, 1);
  assert.ok(limit.servers[0]!.cpu > 0 && limit.servers[0]!.opsPerSecond > 0);
  assert.ok(limit.clientCpu > 0);
  assert.equal(limit.serverCpuMax, limit.servers[0]!.cpu);
  if (limit.kind === "server-bound") assert.ok(limit.servers[0]!.cpu >= 0.8);
  if (limit.kind === "client-bound") assert.ok(limit.clientCpu >= 0.8);
  if (limit.kind === "latency-bound") {
    assert.ok(limit.clientCpu < 0.8 && limit.servers[0]!.cpu < 0.8);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a fill held back by --rate says rate-capped, naming the flag", async () => {
  await using local = await startLocalRedis();
  const run = await runFillCli([
    ...addressFlags(local),
    "-d",
    "40MiB",
    "--rate",
    "16",
    "--no-verify",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^Limit {5}rate-capped \(--rate 16 MiB\/s; reached 1[5-6]\.\d MiB\/s\)$/m,
  );
});

/**
 * A TCP relay that holds every chunk 25 ms before passing it on, in both directions: a slow
 * link, on which neither the client nor the server is busy.
 */
function slowRelay(upstreamPort: number): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const read = await from.read(buffer);
        if (read === null) break;
        await sleep(25);
        for (let written = 0; written < read;) {
          written += await to.write(buffer.subarray(written, read));
        }
      }
    } catch {
      // closed
    }
    try {
      to.close();
    } catch {
      // already closed
    }
  };
  (async () => {
    try {
      for await (const client of listener) {
        const server = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
        conns.push(client, server);
        pipe(client, server);
        pipe(server, client);
      }
    } catch {
      // closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

Deno.test("a fill through a slow link says latency-bound, with both sides idle", async () => {
  await using local = await startLocalRedis();
  const relay = slowRelay(local.nodes[0]!.port);
  try {
    const run = await runFillCli([
      "-h",
      "127.0.0.1",
      "-p",
      String(relay.port),
      "-d",
      "8MiB",
      "--no-verify",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `^Limit {5}latency-bound \\(neither side busy: the busiest server 127\\.0\\.0\\.1:${relay.port}`,
        "m",
      ),
    );
  } finally {
    relay.close();
  }
});
