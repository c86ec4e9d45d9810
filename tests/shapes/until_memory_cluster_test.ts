/**
 * `until-memory` on a Redis Cluster of 3 masters, each with `maxmemory 64mb`: `50%` leaves no
 * master's `used_memory` above 32 MiB by more than 1% and the fullest within 2% of it, for
 * strings from the CLI and for a strings + hashes mix from a pipeline file (see
 * {@linkcode checkReached} for why the others can be further below); the report states the
 * target, what each master reached, and N, and verify passes.
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
 * What a fill to a memory level can hold to on a cluster. Key i is in slot i mod 16384 and the
 * keyspace is 0 … N-1, so the last partial pass over the slots lands on the masters in slot
 * order: whatever N is, the masters differ by up to one key per slot (here some 5,461 keys of
 * ~800 bytes, 13% of 32 MiB). So: no master above its target by more than 1%; the master that
 * stopped the fill (the one the next key would go to) within 2% below; every other one within
 * 2% plus one key per slot of it. The "every master within 2%" holds only when a master
 * takes some 50 keys per slot or more. (The mix below shows it: the first master stops at 32768
 * keys, a full main table, 99.8%, since one key more doubles the table, +512 KiB; the others,
 * a pass of the slots behind, at 84%.)
 */
async function checkReached(local: LocalRedis, report: RunReport): Promise<void> {
  const used = await usedMemory(local);
  const masters = local.masters().map((node) => `127.0.0.1:${node.port}`);
  assert.deepEqual([...used.keys()].sort(), [...masters].sort());
  const bytesPerKey = report.fill!.memory!.bytesPerKey;
  const context = `${JSON.stringify(Object.fromEntries(used))} at ${bytesPerKey} bytes per key`;
  for (const [address, bytes] of used) {
    assert.ok(bytes <= TARGET * 1.01, `${address}: ${bytes} above the target by more than 1%`);
  }
  const highest = Math.max(...used.values());
  assert.ok(highest >= TARGET * 0.98, `no master within 2% of the target: ${context}`);
  for (const node of local.masters()) {
    const slots = node.slots.reduce((sum, [start, end]) => sum + end - start + 1, 0);
    const bytes = used.get(`127.0.0.1:${node.port}`)!;
    assert.ok(
      bytes >= TARGET * 0.98 - slots * bytesPerKey,
      `127.0.0.1:${node.port} (${slots} slots) more than a key per slot below: ${context}`,
    );
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
    assert.ok(node.reached <= 1.01, `${node.address}: ${node.reached}`);
    assert.ok(Math.abs(node.reached - node.usedMemory / node.targetBytes) < 1e-4);
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

Deno.test("--until-memory 50% on a 3-master cluster with maxmemory 64mb: none above 32 MiB by 1%, the fullest within 2%, verify passes", async () => {
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

Deno.test("until-memory: 50% of a strings + hashes mix on a 3-master cluster from a pipeline: none above 32 MiB by 1%, the fullest within 2%, verify passes", async () => {
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
