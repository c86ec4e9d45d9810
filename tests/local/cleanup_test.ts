import assert from "node:assert/strict";
import { assertRedisGone, exists } from "./_helpers.ts";
import { DenoProcess } from "./_subprocess.ts";

interface Held {
  pids: number[];
  dirs: string[];
}

async function hold(options: object, mode = "hold"): Promise<{ process: DenoProcess; held: Held }> {
  const process = new DenoProcess("tests/local/_hold_server.ts", [JSON.stringify(options), mode]);
  const line = (await process.waitFor("\n")).split("\n")[0]!;
  const held = JSON.parse(line) as Held;
  if (mode === "hold") {
    for (const dir of held.dirs) assert.ok(await exists(dir), `${dir} should exist while held`);
  }
  return { process, held };
}

async function assertLeftNothing(held: Held): Promise<void> {
  await assertRedisGone(held.pids);
  for (const dir of held.dirs) assert.equal(await exists(dir), false, `${dir} was left behind`);
}

Deno.test("startLocalRedis() leaves no redis-server behind when its process gets SIGINT", async () => {
  const { process, held } = await hold({ tls: true });
  process.kill("SIGINT");
  const { code } = await process.finished();
  assert.equal(code, 130);
  await assertLeftNothing(held);
});

Deno.test("startLocalRedis() leaves no cluster node behind when its process gets SIGTERM", async () => {
  const { process, held } = await hold({ cluster: true, masters: 1, replicas: 1 });
  assert.equal(held.pids.length, 2);
  process.kill("SIGTERM");
  const { code } = await process.finished();
  assert.equal(code, 130);
  await assertLeftNothing(held);
});

Deno.test("startLocalRedis() leaves no redis-server behind when its process exits without stop()", async () => {
  const { process, held } = await hold({}, "exit");
  const { code } = await process.finished();
  assert.equal(code, 0);
  await assertLeftNothing(held);
});
