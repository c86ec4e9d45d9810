import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, redisCli, runFillCli } from "../_cli.ts";

/** Markers spread over the cluster by redis-cli -c; returns how many each port holds. */
async function putMarkers(seed: number, ports: number[]): Promise<number[]> {
  for (let k = 0; k < 30; k++) {
    assert.equal(await redisCli(seed, "-c", "SET", `marker:${k}`, "kept"), "OK");
  }
  return await Promise.all(ports.map(async (port) => Number(await redisCli(port, "DBSIZE"))));
}

Deno.test("deno task fill --flush on a cluster with one master stopped flushes nothing on the others, in one sentence", async () => {
  // A long node timeout: the cluster still lists the stopped master, so only its silence tells.
  await using redis = await startLocalRedis({
    cluster: true,
    masters: 3,
    replicas: 0,
    clusterNodeTimeout: 60_000,
  });
  const [seed, other, victim] = redis.masters();
  const before = await putMarkers(seed!.port, [seed!.port, other!.port]);
  assert.ok(before.every((count) => count > 0), `markers ${before}`);
  await redis.killNode(victim!);

  const run = await runFillCli([
    "-c",
    "-h",
    "127.0.0.1",
    "-p",
    String(seed!.port),
    "-d",
    "1MB",
    "--flush",
  ]);
  assertFailure(
    run,
    3,
    new RegExp(
      `^Step "flush" failed: Cannot connect to "127\\.0\\.0\\.1:${
        victim!.port
      }": connection refused; check the host and port, and that redis-server is running; nothing was flushed$`,
    ),
  );
  const after = await Promise.all(
    [seed!.port, other!.port].map(async (port) => Number(await redisCli(port, "DBSIZE"))),
  );
  assert.deepEqual(after, before, "a master was flushed (or written to)");
});

Deno.test("slots no master serves are found at connect, before --flush, without a wait for cluster_state:ok when it is ok", async () => {
  // Without full coverage the state stays ok while slots 0-99 belong to no master.
  await using redis = await startLocalRedis({
    cluster: true,
    masters: 3,
    replicas: 0,
    extraArgs: ["--cluster-require-full-coverage", "no"],
  });
  const ports = redis.masters().map((node) => node.port);
  const before = await putMarkers(ports[0]!, ports);
  for (const port of ports) await redisCli(port, "CLUSTER", "DELSLOTSRANGE", "0", "99");
  // Every node forgets the slots' owner (the one that owned them dropped them).
  for (const port of ports) {
    const slots = await redisCli(port, "CLUSTER", "SLOTS");
    assert.ok(!/^0$/m.test(slots), `port ${port} still serves slot 0: ${slots}`);
  }
  assert.match(await redisCli(ports[1]!, "CLUSTER", "INFO"), /cluster_state:ok/);

  const run = await runFillCli([
    "-c",
    "-h",
    "127.0.0.1",
    "-p",
    String(ports[1]),
    "-d",
    "1MB",
    "--flush",
  ]);
  assertFailure(
    run,
    3,
    /^Step "connect" failed: No master serves slots 0-99 \(cluster_state is ok: they are assigned to no master\): assign them \(CLUSTER ADDSLOTS, or redis-cli --cluster fix\) and run again$/,
  );
  assert.doesNotMatch(run.stderr, /wait until/);
  const after = await Promise.all(
    ports.map(async (port) => Number(await redisCli(port, "DBSIZE"))),
  );
  assert.deepEqual(after, before, "a master was flushed (or written to)");
});

Deno.test("a master whose ACL refuses FLUSHALL: ACL DRYRUN finds it before any flush; without ACL DRYRUN the message names the masters already emptied", async () => {
  const password = "filler-Pa55-never-printed";
  await using redis = await startLocalRedis({
    cluster: true,
    masters: 3,
    replicas: 0,
    user: { name: "filler", password },
  });
  const ports = redis.masters().map((node) => node.port);
  const refusing = ports[2]!;
  assert.equal(await redisCli(refusing, "ACL", "SETUSER", "filler", "-flushall"), "OK");
  const before = await putMarkers(ports[0]!, ports);
  const fill = () =>
    runFillCli(
      ["-c", "-h", "127.0.0.1", "-p", String(ports[0]), "-u", "filler", "-d", "1MB", "--flush"],
      { env: { REDISCLI_AUTH: password } },
    );
  const refusal =
    `The user "filler" may not run FLUSHALL on "127\\.0\\.0\\.1:${refusing}": grant it with ACL SETUSER filler \\+flushall, or pass --flush prefix to delete only this fill's keys with SCAN and UNLINK`;

  // ACL DRYRUN on every master first: nothing is flushed anywhere.
  assertFailure(await fill(), 3, new RegExp(`^Step "flush" failed: ${refusal}$`), [password]);
  const kept = await Promise.all(ports.map(async (port) => Number(await redisCli(port, "DBSIZE"))));
  assert.deepEqual(kept, before, "a master was flushed although one refuses FLUSHALL");

  // A user who may not run ACL: FLUSHALL's own NOPERM is the probe; the others were emptied.
  for (const port of ports) {
    assert.equal(await redisCli(port, "ACL", "SETUSER", "filler", "-acl"), "OK");
  }
  const run = await fill();
  const others = ports.slice(0, 2).map((port) => `127\\.0\\.0\\.1:${port}`);
  assertFailure(
    run,
    3,
    new RegExp(
      `^Step "flush" failed: ${refusal} \\(already emptied: (${others[0]}, ${others[1]}|${
        others[1]
      }, ${others[0]})\\)$`,
    ),
    [password],
  );
  assert.equal(await redisCli(refusing, "DBSIZE"), String(before[2]), "the refusing master");
});
