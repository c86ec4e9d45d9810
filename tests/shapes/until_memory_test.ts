/** `until-memory`: a share of maxmemory reached within 2%, and a percentage without maxmemory refused. */
import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";
import { withTransport } from "../_local.ts";
import { infoField } from "../../lib/resp/info.ts";

const MiB = 1024 * 1024;

Deno.test("--until-memory 50% of maxmemory 64mb ends within 2% of 32 MiB, and verify passes", async () => {
  await using local = await startLocalRedis({ maxmemory: "64mb" });
  const port = String(local.nodes[0]!.port);
  const run = await runFillCli(["-p", port, "--until-memory", "50%", "--key-size", "64"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /Memory target 50%: \d+ keys at \d+ bytes per key/);
  await withTransport(local, async (transport) => {
    const used = Number(infoField(String(await transport.call(["INFO", "memory"])), "used_memory"));
    assert.ok(Math.abs(used - 32 * MiB) <= 0.02 * 32 * MiB, `used_memory ${used}`);
    assert.ok(used <= 32 * MiB * 1.01, "not above the target by more than 1%");
  });
  assert.match(run.stdout, /pass {2}count: found (\d+) of \1, exact/);
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
