import assert from "node:assert/strict";
import { renderJson } from "../../lib/report/json.ts";
import { buildRunReport, RunReportSchema } from "../../lib/report/model.ts";
import { localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { displayKey, verifyFill } from "../../lib/verify/verify.ts";
import { smallFill, withTransport } from "../verify/_helpers.ts";
import {
  assertSnapshot,
  clusterFailReport,
  clusterPassReport,
  interruptedFillReport,
} from "./_reports.ts";

/** Every key path of a JSON value, in document order. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => keyPaths(item, `${prefix}[]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => [
      `${prefix}.${key}`,
      ...keyPaths(item, `${prefix}.${key}`),
    ]);
  }
  return [];
}

Deno.test("renderJson() of a real standalone fill and verify validates against the schema", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const verify = await verifyFill(transport, fill, { sample: 100 });
    const report = buildRunReport({
      pipeline: "json-test",
      target: localTarget(local),
      topology: transport.topology(),
      fill,
      verify,
      steps: [{ id: "fill", name: "fill", ok: true, durationMs: fill.durationMs }],
    });
    const parsed = JSON.parse(renderJson(report));
    const validated = RunReportSchema.safeParse(parsed);
    assert.ok(validated.success, validated.success ? "" : validated.error.message);
    assert.equal(parsed.schemaVersion, 2);
    assert.deepEqual([parsed.status, parsed.ok], ["passed", true]);
    assert.equal(typeof parsed.fill.mibPerSecond, "number");
    assert.equal(typeof parsed.fill.client.cpuSecondsPerGib, "number");
    assert.equal(parsed.fill.keys, 65536);
    assert.equal(parsed.verify.verdict, "pass");
    assert.equal(parsed.verify.nodes[0].expectedKeys, 65536);
    assert.ok(parsed.verify.nodes[0].bytesPerKey > 128);
    assert.match(parsed.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

Deno.test("renderJson() keeps the schema's key order, whatever order the model was built in", () => {
  const report = clusterPassReport();
  const shuffled = Object.fromEntries(Object.entries(report).reverse()) as typeof report;
  assert.equal(renderJson(shuffled), renderJson(report));
  const paths = keyPaths(JSON.parse(renderJson(report)));
  assert.deepEqual(paths.slice(0, 7), [
    ".schemaVersion",
    ".pipeline",
    ".createdAt",
    ".status",
    ".ok",
    ".target",
    ".target.address",
  ]);
});

Deno.test("renderJson() of an interrupted fill says interrupted and not ok (fixtures/reports/standalone_interrupted.json)", async () => {
  const text = renderJson(interruptedFillReport());
  await assertSnapshot(text, "standalone_interrupted.json");
  const parsed = JSON.parse(text);
  assert.deepEqual([parsed.status, parsed.ok, parsed.fill.interrupted, parsed.fill.keys], [
    "interrupted",
    false,
    true,
    22_862,
  ]);
});

Deno.test("renderJson() matches fixtures/reports/cluster_fail.json and holds no password", async () => {
  const text = renderJson(clusterFailReport());
  await assertSnapshot(text, "cluster_fail.json");
  assert.ok(!text.includes("hunter2"));
  assert.deepEqual(JSON.parse(text).target, {
    address: "10.0.0.5:7000",
    mode: "cluster",
    tls: true,
    username: "filler",
  });
});

Deno.test("renderJson() carries verify's count and content modes, its rate and the keys it named", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const keyspace = new Keyspace(fill.keyspace);
    await transport.call(["DEL", keyspace.keyString(5)]);
    const verify = await verifyFill(transport, fill, { sample: 10, content: "full" });
    const report = buildRunReport({ pipeline: "json-test", target: localTarget(local), verify });
    const parsed = JSON.parse(renderJson(report));
    assert.ok(RunReportSchema.safeParse(parsed).success);
    const { count, content, checkedKeys, missingKeys, wrongKeys, failovers } = parsed.verify;
    assert.deepEqual({ count, content, checkedKeys, missingKeys, wrongKeys, failovers }, {
      count: "exact",
      content: "full",
      checkedKeys: 65536,
      missingKeys: [{ index: 5, key: displayKey(keyspace, 5) }],
      wrongKeys: [],
      failovers: [],
    });
    assert.ok(parsed.verify.keysPerSecond > 0);
    assert.deepEqual([parsed.verify.nodes[0].missing, parsed.verify.nodes[0].dbsize], [1, 65535]);
  });
});
