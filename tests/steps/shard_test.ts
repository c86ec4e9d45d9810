/**
 * `--shard auto` / `fill: { shard: auto }`: the shard from a Kubernetes Indexed Job's
 * environment (`JOB_COMPLETION_INDEX`) and `REDFILL_SHARDS`.
 */

import assert from "node:assert/strict";
import { shardFromEnvironment } from "../../lib/steps/shard.ts";
import { assertFailure, runDeno, runFillCli } from "../_cli.ts";

function read(env: Record<string, string>) {
  return shardFromEnvironment((name) => env[name]);
}

Deno.test("shardFromEnvironment() reads k from JOB_COMPLETION_INDEX and n from REDFILL_SHARDS", () => {
  assert.deepEqual(read({ JOB_COMPLETION_INDEX: "0", REDFILL_SHARDS: "3" }), {
    shard: { index: 0, count: 3 },
  });
  assert.deepEqual(read({ JOB_COMPLETION_INDEX: "2", REDFILL_SHARDS: "3" }), {
    shard: { index: 2, count: 3 },
  });
  assert.deepEqual(read({ JOB_COMPLETION_INDEX: "0", REDFILL_SHARDS: "1" }), {
    shard: { index: 0, count: 1 },
  });
});

Deno.test("shardFromEnvironment() names both variables when one is missing or they disagree", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /but JOB_COMPLETION_INDEX and REDFILL_SHARDS are not set/],
    [{ REDFILL_SHARDS: "3" }, /but JOB_COMPLETION_INDEX is not set/],
    [{ JOB_COMPLETION_INDEX: "1" }, /but REDFILL_SHARDS is not set/],
    [{ JOB_COMPLETION_INDEX: "3", REDFILL_SHARDS: "3" }, /"3" and REDFILL_SHARDS="3" are not/],
    [{ JOB_COMPLETION_INDEX: "0", REDFILL_SHARDS: "0" }, /are not a shard/],
    [{ JOB_COMPLETION_INDEX: "x", REDFILL_SHARDS: "3" }, /JOB_COMPLETION_INDEX="x"/],
    [{ JOB_COMPLETION_INDEX: "-1", REDFILL_SHARDS: "3" }, /are not a shard/],
  ];
  for (const [env, pattern] of cases) {
    const found = read(env);
    assert.ok("problem" in found, JSON.stringify(env));
    assert.match(found.problem, pattern);
    assert.match(found.problem, /JOB_COMPLETION_INDEX .*REDFILL_SHARDS/);
  }
});

Deno.test("deno task fill --shard auto without the Job's variables is a usage error (exit 2) naming both", async () => {
  const run = await runFillCli(["-h", "127.0.0.1", "--shard", "auto", "--dry-run"], {
    env: { REDFILL_SHARDS: "3" },
  });
  assertFailure(
    run,
    2,
    /^--shard auto reads JOB_COMPLETION_INDEX \(set by a Kubernetes Indexed Job\) and REDFILL_SHARDS \(the Job's completions\), but JOB_COMPLETION_INDEX is not set: set both, with 0 ≤ JOB_COMPLETION_INDEX < REDFILL_SHARDS, or give the shard as k\/n$/,
  );
});

Deno.test("deno task fill --shard auto plans the shard the environment names", async () => {
  const run = await runFillCli(["-h", "127.0.0.1", "--shard", "auto", "--dry-run"], {
    env: { JOB_COMPLETION_INDEX: "1", REDFILL_SHARDS: "3" },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /"shard":\{"index":1,"count":3\}/);
});

Deno.test("a pipeline file's shard: auto with an inconsistent environment names the option and both variables", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/p.yaml`;
    await Deno.writeTextFile(
      file,
      "version: 1\ntarget: { url: redis://127.0.0.1:6379 }\nsteps:\n  - connect\n  - fill: { shard: auto }\n",
    );
    const run = await runDeno(
      ["run", "-A", "tasks/redfill.ts", "run", file, "--dry-run"],
      { env: { JOB_COMPLETION_INDEX: "5", REDFILL_SHARDS: "3" } },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /p\.yaml:5:\d+: .*shard.*JOB_COMPLETION_INDEX="5" and REDFILL_SHARDS="3"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
