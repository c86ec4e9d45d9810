/** `until-memory`: a share of maxmemory reached within 2%, and a percentage without maxmemory refused. */
import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";
import { withTransport } from "../_local.ts";
import { infoField } from "../../lib/resp/info.ts";
import { renderMarkdown } from "../../lib/report/markdown.ts";
import { RunReportSchema } from "../../lib/report/model.ts";
import { renderTable } from "../../lib/report/table.ts";

const MiB = 1024 * 1024;

Deno.test("--until-memory 50% of maxmemory 64mb ends within 2% of 32 MiB, verify passes, and the report states the target, each master's memory and N", async () => {
  await using local = await startLocalRedis({ maxmemory: "64mb" });
  const port = String(local.nodes[0]!.port);
  const run = await runFillCli([
    "-p",
    port,
    "--until-memory",
    "50%",
    "--key-size",
    "64",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /Memory target 50%: \d+ keys at \d+ bytes per key/);
  let used = 0;
  await withTransport(local, async (transport) => {
    used = Number(infoField(String(await transport.call(["INFO", "memory"])), "used_memory"));
    assert.ok(Math.abs(used - 32 * MiB) <= 0.02 * 32 * MiB, `used_memory ${used}`);
    assert.ok(used <= 32 * MiB * 1.01, "not above the target by more than 1%");
  });
  const report = RunReportSchema.parse(JSON.parse(run.stdout));
  assert.equal(report.verify?.ok, true);
  const fill = report.fill!;
  assert.equal(fill.keys, fill.keyspace.count, "every key of N was written");
  const memory = fill.memory!;
  assert.equal(memory.target, "50%");
  assert.equal(memory.keys, fill.keyspace.count);
  assert.ok(memory.bytesPerKey > 64, `bytes per key ${memory.bytesPerKey}`);
  assert.equal(memory.nodes.length, 1);
  const node = memory.nodes[0]!;
  assert.equal(node.address, `127.0.0.1:${port}`);
  assert.equal(node.targetBytes, 32 * MiB);
  // Read after the fill, before verify: verify adds a little of its own.
  assert.ok(Math.abs(node.usedMemory - used) <= 0.01 * used, `reached ${node.usedMemory}`);
  assert.ok(Math.abs(node.reached - node.usedMemory / node.targetBytes) < 1e-4);
  assert.ok(node.reached >= 0.98 && node.reached <= 1.01, `reached ${node.reached}`);
  const line = new RegExp(
    `target 50%: N ${fill.keyspace.count.toLocaleString("en-US")} keys at ${
      memory.bytesPerKey.toLocaleString("en-US")
    } bytes per key; 127\\.0\\.0\\.1:${port} reached [\\d.]+ MiB of 32(\\.0)? MiB \\(\\d+\\.\\d%\\)`,
  );
  assert.match(renderTable(report, { width: 200 }), new RegExp(`^Memory +${line.source}`, "m"));
  assert.match(
    renderMarkdown(report),
    new RegExp(`^\\| \\*\\*Memory\\*\\* \\| ${line.source} \\|$`, "m"),
  );
});

Deno.test("--until-memory 50% without maxmemory exits 2 with one sentence", async () => {
  await using local = await startLocalRedis();
  const run = await runFillCli(["-p", String(local.nodes[0]!.port), "--until-memory", "50%"]);
  assertFailure(
    run,
    2,
    /^Step "fill" failed: --until-memory 50% needs a maxmemory, and "127\.0\.0\.1:\d+" has none: give a size like 3GiB instead, or set maxmemory$/,
  );
});

Deno.test("--keys, --data and --until-memory exclude each other with one sentence", async () => {
  const run = await runFillCli(["-p", "1", "--keys", "10", "--until-memory", "3GiB"]);
  assertFailure(run, 2, /^--keys and --until-memory exclude each other: use one of them$/);
});
