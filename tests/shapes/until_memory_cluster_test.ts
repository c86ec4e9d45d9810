/**
 * `until-memory` on a Redis Cluster of 3 masters, each with `maxmemory 64mb`: `50%` leaves every
 * master's `used_memory` within 2% of 32 MiB and none above it by more than 1%, for strings
 * from the CLI and for a strings + hashes mix from a pipeline file; the report states the target,
 * what each master reached, and N, and verify passes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type LocalRedis, startLocalRedis } from "../../lib/local/mod.ts";
import { infoField } from "../../lib/resp/info.ts";
import { type RunReport, RunReportSchema } from "../../lib/report/model.ts";
import { renderTable } from "../../lib/report/table.ts";
import { runDeno, runFillCli } from "../_cli.ts";
import { withTransport } from "../_local.ts";

const MiB = 1024 * 1024;
const TARGET = 32 * MiB;

/** Every master's used_memory now, by address, read independently of redfill's report. */
async function usedMemory(local: LocalRedis): Promise<Map<string, number>> {
  return await withTransport(local, async (transport) => {
    const replies = await transport.callEachMaster(["INFO", "memory"]);
    return new Map(replies.map(({ node, reply }) => [
      `${node.host}:${node.port}`,
      Number(infoField(String(reply), "used_memory")),
    ]));
  });
}

/**
 * The bar on every master (within 2% of the target, none above it by more than 1%),
 * and the report's memory block: the target, each master's target and what it reached, and N.
 */
async function checkReached(local: LocalRedis, report: RunReport): Promise<void> {
  const used = await usedMemory(local);
  const masters = local.masters().map((node) => `127.0.0.1:${node.port}`);
  assert.deepEqual([...used.keys()].sort(), [...masters].sort());
  const context = JSON.stringify(Object.fromEntries(used));
  for (const [address, bytes] of used) {
    assert.ok(
      Math.abs(bytes - TARGET) <= 0.02 * TARGET,
      `${address}: used_memory ${bytes} is not within 2% of ${TARGET} (${
        (bytes / TARGET * 100).toFixed(2)
      }%); all: ${context}`,
    );
    assert.ok(bytes <= TARGET * 1.01, `${address}: ${bytes} above the target by more than 1%`);
  }
  assert.equal(report.verify?.ok, true, JSON.stringify(report.verify?.checks));
  const fill = report.fill!;
  assert.equal(fill.keys, fill.keyspace.count, "every key of N was written");
  const memory = fill.memory!;
  assert.equal(memory.target, "50%");
  assert.equal(memory.keys, fill.keyspace.count, "the report's N is the keyspace's count");
  assert.ok(memory.keys > 0);
  assert.deepEqual(memory.nodes.map((node) => node.address).sort(), [...masters].sort());
  for (const node of memory.nodes) {
    assert.equal(node.targetBytes, TARGET, node.address);
    // Read after the fill, before verify: verify adds a little of its own.
    const now = used.get(node.address)!;
    assert.ok(Math.abs(node.usedMemory - now) <= 0.01 * now, `${node.address}: ${node.usedMemory}`);
    assert.ok(node.reached >= 0.98 && node.reached <= 1.01, `${node.address}: ${node.reached}`);
  }
  const table = renderTable(report, { width: 400 });
  const line = /^Memory +target 50%: N ([\d,]+) keys at [\d,]+ bytes per key; (.*)$/m.exec(table);
  assert.ok(line, table);
  assert.equal(line[1], fill.keyspace.count.toLocaleString("en-US"));
  for (const address of masters) {
    assert.match(
      line[2]!,
      new RegExp(`${address.replaceAll(".", "\\.")} reached [\\d.]+ MiB of 32`),
    );
  }
}

Deno.test("--until-memory 50% on a 3-master cluster with maxmemory 64mb: every master within 2% of 32 MiB, none above by 1%, verify passes", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0, maxmemory: "64mb" });
  const seed = local.masters()[0]!;
  const run = await runFillCli([
    "-c",
    "-h",
    "127.0.0.1",
    "-p",
    String(seed.port),
    "--until-memory",
    "50%",
    "--key-size",
    "64",
    "--report",
    "json",
  ], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /Memory target 50%: \d+ keys at \d+ bytes per key/);
  await checkReached(local, RunReportSchema.parse(JSON.parse(run.stdout)));
});

Deno.test("until-memory: 50% of a strings + hashes mix on a 3-master cluster from a pipeline: every master within 2% of 32 MiB, verify passes", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0, maxmemory: "64mb" });
  const dir = await Deno.makeTempDir({ prefix: "redfill-until-memory-" });
  try {
    const file = join(dir, "pipeline.yaml");
    await Deno.writeTextFile(
      file,
      [
        "version: 1",
        "name: until-memory-cluster-mix",
        `target: { url: "redis://127.0.0.1:${local.masters()[0]!.port}", mode: cluster }`,
        "steps:",
        "  - connect",
        "  - fill:",
        "      until-memory: 50%",
        "      key-size: 48",
        "      keyspace:",
        '        - { type: string, share: 70, value-size: "64:60,1KiB:30,4KiB:10" }',
        "        - { type: hash, share: 30, fields: 4-16, field-size: 16-64 }",
        "  - verify: { sample: 2000 }",
        "  - report: { format: json, out: ./report.json }",
        "",
      ].join("\n"),
    );
    const run = await runDeno(["run", "-A", "tasks/redfill.ts", "run", file]);
    assert.equal(run.code, 0, run.stderr);
    const report = RunReportSchema.parse(
      JSON.parse(await Deno.readTextFile(join(dir, "report.json"))),
    );
    await checkReached(local, report);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
