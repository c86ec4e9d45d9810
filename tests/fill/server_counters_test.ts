/**
 * The servers' own counters: what a fire-and-forget fill cannot see (OOM rejections,
 * evictions, expirations) is read from every master's INFO stats / INFO errorstats, against
 * real servers.
 */

import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { ExitCode } from "../../lib/errors.ts";
import { runFill } from "../../lib/fill/fill.ts";
import { CounterWatch, parseCounters } from "../../lib/fill/server_counters.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { memoryLogger, withTransport } from "../_local.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

interface CounterReport {
  fill: {
    keys: number;
    server: {
      read: boolean;
      note: string;
      nodes: Array<{
        read: boolean;
        reason: string | null;
        evictedKeys: number;
        expiredKeys: number;
        errors: Record<string, number>;
      }>;
    } | null;
  };
}

Deno.test("parseCounters() reads INFO stats and every errorstat, and 0 for a missing field", () => {
  const reading = parseCounters(
    "# Stats\r\nevicted_keys:7\r\ntotal_error_replies:12\r\nrejected_calls:3\r\n",
    "# Errorstats\r\nerrorstat_OOM:count=9\r\nerrorstat_NOPERM:count=3\r\n",
  );
  assert.deepEqual(reading, {
    evictedKeys: 7,
    expiredKeys: 0,
    errorReplies: 12,
    rejectedCalls: 3,
    errors: { OOM: 9, NOPERM: 3 },
  });
});

Deno.test("fire-and-forget with --no-verify into a full noeviction server exits 4 with the rejected count", async () => {
  await using redis = await startLocalRedis({ maxmemory: "8mb", maxmemoryPolicy: "noeviction" });
  const port = redis.nodes[0]!.port;
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    "16MB",
    "-f",
    "--no-verify",
    "--report",
    "json",
  ]);
  assertFailure(
    run,
    ExitCode.Fill,
    new RegExp(
      `^Step "fill" failed: 127\\.0\\.0\\.1:${port} rejected [\\d,]+ writes: OOM command not allowed when used memory > 'maxmemory'`,
    ),
  );
  const rejected = Number(/rejected ([\d,]+) writes/.exec(run.stderr)![1]!.replaceAll(",", ""));
  const report = JSON.parse(run.stdout) as CounterReport;
  const node = report.fill.server!.nodes[0]!;
  assert.equal(node.read, true);
  assert.equal(node.errors.OOM, rejected);
  assert.ok(rejected > 1000 && rejected < 16384, `${rejected}`);
  assert.match(report.fill.server!.note, /server-wide/);
});

Deno.test("evictions (maxmemory, allkeys-lru) fail a fire-and-forget --no-verify fill; --on-eviction warn makes them a warning", async () => {
  await using redis = await startLocalRedis({
    maxmemory: "8mb",
    maxmemoryPolicy: "allkeys-lru",
  });
  const port = redis.nodes[0]!.port;
  const base = ["-h", "127.0.0.1", "-p", String(port), "-d", "16MB", "-f", "--no-verify"];
  const strict = await runFillCli([...base, "--report", "json"]);
  assertFailure(
    strict,
    ExitCode.Fill,
    new RegExp(
      `^Step "fill" failed: 127\\.0\\.0\\.1:${port} evicted [\\d,]+ keys during the fill .*: the data does not fit in maxmemory; raise maxmemory, fill less, or set --on-eviction warn to accept evictions$`,
      "m",
    ),
  );
  const failedReport = JSON.parse(strict.stdout) as CounterReport;
  assert.ok(failedReport.fill.server!.nodes[0]!.evictedKeys > 1000);

  const lenient = await runFillCli([...base, "--on-eviction", "warn", "--report", "json"]);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stderr, new RegExp(`warning: 127\\.0\\.0\\.1:${port} evicted [\\d,]+ keys`));
  const report = JSON.parse(lenient.stdout) as CounterReport;
  assert.equal(report.fill.keys, 16384);
  assert.ok(report.fill.server!.nodes[0]!.evictedKeys > 1000);
});

Deno.test("the fill's TTL keys expiring during the fill are reported, not a failure", async () => {
  await using redis = await startLocalRedis();
  const port = redis.nodes[0]!.port;
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    "3MB",
    "--rate",
    "1",
    "--ttl",
    "1",
    "-f",
    "--no-verify",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as CounterReport;
  const node = report.fill.server!.nodes[0]!;
  assert.ok(node.expiredKeys > 0, JSON.stringify(node));
  assert.match(
    run.stderr,
    /expired [\d,]+ keys during the fill \(expired_keys, server-wide; this fill's keys have a TTL\)/,
  );
});

Deno.test("a user who may not run INFO: the counters are marked not read and the fill goes on", async () => {
  await using redis = await startLocalRedis();
  const node = redis.nodes[0]!;
  const admin = new Redis({ host: node.host, port: node.port, lazyConnect: true });
  await admin.connect();
  await admin.call("ACL", "SETUSER", "noinfo", "on", ">secret-pw", "~*", "&*", "+@all");
  await withTransport(redis, async (transport) => {
    // Connecting asks INFO (a separate matter, issue 12 item 6); the fill's counters come after.
    await admin.call("ACL", "SETUSER", "noinfo", "-info");
    admin.disconnect();
    const watch = new CounterWatch(transport);
    const masters = transport.topology().nodes;
    assert.deepEqual(await watch.read(masters), []);
    const result = watch.result();
    assert.equal(result.read, false);
    assert.match(
      result.nodes[0]!.reason!,
      /(NOPERM|may not run|permission).*info|info.*(NOPERM|may not|permission)/i,
    );

    const fill = await runFill(transport, {
      keyspace: { count: 2048, keySize: 64, valueSize: 64, seed: 1, prefix: "redfill:" },
      logger: memoryLogger(),
    });
    assert.equal(fill.keys, 2048);
    assert.equal(fill.server?.read, false);
  }, { target: { username: "noinfo", password: "secret-pw" } });
});

Deno.test("a cluster whose masters all evict: the fill fails naming the one that evicted most and how many more", async () => {
  await using local = await startLocalRedis({
    cluster: true,
    replicas: 0,
    maxmemory: "8mb",
    maxmemoryPolicy: "allkeys-lru",
  });
  const seed = local.masters()[0]!;
  const run = await runFillCli([
    "-c",
    "-h",
    "127.0.0.1",
    "-p",
    String(seed.port),
    "-d",
    "48MB",
    "-f",
    "--no-verify",
    "--report",
    "json",
  ]);
  assertFailure(
    run,
    ExitCode.Fill,
    /^Step "fill" failed: 127\.0\.0\.1:\d+ \(and 2 more masters\) evicted [\d,]+ keys during the fill/,
  );
  const report = JSON.parse(run.stdout) as CounterReport;
  assert.equal(report.fill.server!.nodes.length, 3);
  for (const node of report.fill.server!.nodes) assert.ok(node.evictedKeys > 0);
});
