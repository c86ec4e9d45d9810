import assert from "node:assert/strict";
import { join } from "node:path";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { type ServerSettings, startServer } from "../../lib/local/server.ts";
import {
  isProcess,
  type LocalState,
  readState,
  stateOf,
  stopFromState,
  writeState,
} from "../../lib/local/state.ts";
import { assertRedisGone, exists } from "./_helpers.ts";

Deno.test("stateOf() describes the servers with URLs and never their passwords", async () => {
  await using redis = await startLocalRedis({
    tls: true,
    password: "state-secret",
    user: { name: "app", password: "app-state-secret" },
  });
  const state = stateOf(redis);
  assert.equal(state.version, 1);
  assert.equal(state.ownerPid, Deno.pid);
  assert.equal(state.kind, "standalone");
  assert.equal(state.passwordRequired, true);
  assert.equal(state.user, "app");
  assert.deepEqual(state.tls, redis.tls);
  assert.deepEqual(state.nodes, [{ ...redis.nodes[0]!, url: redis.url() }]);
  const text = JSON.stringify(state);
  assert.ok(!text.includes("state-secret"), text);
});

Deno.test("writeState() and readState() round-trip, and readState() tells a missing file from a bad one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-state-test-" });
  try {
    const path = join(dir, "nested", "local.json");
    const state: LocalState = {
      version: 1,
      ownerPid: 1,
      startedAt: "2026-12-01T00:00:00.000Z",
      kind: "standalone",
      passwordRequired: false,
      nodes: [],
    };
    await writeState(path, state);
    assert.deepEqual(await readState(path), state);
    assert.ok((await Deno.readTextFile(path)).endsWith("}\n"));
    assert.equal(await readState(join(dir, "none.json")), undefined);
    await Deno.writeTextFile(path, "{ not json");
    await assert.rejects(() => readState(path), SyntaxError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isProcess() matches a running pid's command line", async () => {
  assert.equal(isProcess(Deno.pid, "deno"), true);
  assert.equal(isProcess(Deno.pid), false, "not a redis-server");
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.equal(isProcess(child.pid, "true"), false, "gone");
});

Deno.test("stopFromState() stops only listed redis-servers, leaves other pids, removes only redfill- folders", async () => {
  const settings: ServerSettings = { extraArgs: [], handleSignals: false };
  const server = await startServer(settings);
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const foreign = await Deno.makeTempDir({ prefix: "not-redfill-" });
  try {
    const node = (pid: number, dir: string) => ({
      id: "standalone",
      host: "127.0.0.1" as const,
      port: server.port,
      pid,
      dir,
      role: "master" as const,
      slots: [[0, 16383]] as Array<[number, number]>,
      url: `redis://127.0.0.1:${server.port}`,
    });
    const state: LocalState = {
      version: 1,
      ownerPid: 1,
      startedAt: new Date().toISOString(),
      kind: "standalone",
      passwordRequired: false,
      nodes: [node(server.process.pid, server.dir), node(Deno.pid, foreign), node(gone.pid, "")],
    };
    const result = await stopFromState(state, 2000);
    assert.deepEqual(result, {
      stopped: [server.process.pid],
      gone: [gone.pid],
      skipped: [Deno.pid],
      removed: [server.dir],
    });
    await assertRedisGone([server.process.pid]);
    assert.equal(await exists(server.dir), false);
    assert.equal(await exists(foreign), true);
  } finally {
    await server.process.status;
    await Deno.remove(foreign, { recursive: true });
  }
});
