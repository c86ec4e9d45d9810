import assert from "node:assert/strict";
import { basename, dirname } from "node:path";
import { MissingProgramError } from "../../lib/errors.ts";
import {
  killTracked,
  makeTrackedTempDir,
  removeTrackedTempDir,
  runProgram,
  spawnTracked,
} from "../../lib/local/process.ts";
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

Deno.test("spawnTracked() and runProgram() name a missing program and how to install it", async () => {
  assert.throws(
    () => spawnTracked("redfill-no-such-program", [], { handleSignals: false }),
    (error: unknown) =>
      error instanceof MissingProgramError &&
      error.message ===
        'Cannot find "redfill-no-such-program" on PATH: install it with "install "redfill-no-such-program""',
  );
  await assert.rejects(
    () => runProgram("redfill-no-such-program", []),
    (error: unknown) => error instanceof MissingProgramError,
  );
});

Deno.test("runProgram() returns stdout, and quotes stderr when the program fails", async () => {
  assert.equal(await runProgram("sh", ["-c", "printf 'out'; printf 'err' >&2"]), "out");
  await assert.rejects(
    () => runProgram("sh", ["-c", "echo broken >&2; exit 3"]),
    (error: unknown) =>
      error instanceof Error && error.message === '"sh -c" failed with exit code 3: broken',
  );
});

Deno.test("killTracked() signals a tracked child by its pid and waits until it exited", async () => {
  const child = spawnTracked("sleep", ["60"], { handleSignals: false });
  assert.equal(child.exited, false);
  await killTracked(child, "SIGTERM");
  assert.equal(child.exited, true);
  assert.equal((await child.status).signal, "SIGTERM");
  await killTracked(child); // already gone: nothing to do
  const quick = spawnTracked("sh", ["-c", "echo oops >&2"], { handleSignals: false });
  await quick.status;
  assert.equal(await quick.stderr, "oops\n");
});

Deno.test("makeTrackedTempDir() names the folder after the pid; removeTrackedTempDir() is idempotent", async () => {
  const dir = await makeTrackedTempDir("redfill-test-");
  assert.ok(basename(dir).startsWith(`redfill-test-${Deno.pid}-`), dir);
  assert.equal(
    dirname(dir),
    dirname(
      await Deno.makeTempDir().then(async (other) => {
        await Deno.remove(other);
        return other;
      }),
    ),
  );
  assert.equal(await exists(dir), true);
  await removeTrackedTempDir(dir);
  assert.equal(await exists(dir), false);
  await removeTrackedTempDir(dir);
});
