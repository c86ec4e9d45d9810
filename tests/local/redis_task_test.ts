import assert from "node:assert/strict";
import { join } from "node:path";
import type { LocalState } from "../../lib/local/state.ts";
import { assertRedisGone, exists, isRedisServer } from "./_helpers.ts";
import { DenoProcess, runDeno } from "./_subprocess.ts";

const TASK = "tasks/redis.ts";

async function runShell(line: string): Promise<string> {
  const output = await new Deno.Command("sh", { args: ["-c", line], stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  assert.ok(output.success, `${line} failed: ${new TextDecoder().decode(output.stderr)}`);
  return text;
}

Deno.test("tasks/redis.ts up --cluster --tls prints a redis-cli line that answers PONG on every node, and down stops it all", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  const state = join(tmp, "local.json");
  const up = new DenoProcess(TASK, [
    "up",
    "--cluster",
    "--tls",
    "--password",
    "pw",
    "--state",
    state,
  ]);
  try {
    const out = await up.waitFor("Press Ctrl-C");
    assert.match(out, /^Local redis cluster is up \(3 masters, 3 replicas, TLS, password\)/);
    assert.equal(out.match(/^ {2}(master|replica) +rediss:\/\/127\.0\.0\.1:\d+ /gm)?.length, 6);
    assert.match(out, /^CA certificate: +\/.*\/ca\.crt$/m);
    assert.match(out, /^Client certificate: +\/.*\/client\.crt$/m);
    assert.match(out, /^Password: +\(as given; redis-cli reads it from \$REDISCLI_AUTH\)$/m);
    const line = /^redis-cli: +(redis-cli .*)$/m.exec(out)?.[1];
    assert.ok(line, "no redis-cli line");
    assert.match(
      line,
      /^redis-cli -c -h 127\.0\.0\.1 -p \d+ --tls --cacert \S+ --cert \S+ --key \S+$/,
    );

    const saved = JSON.parse(await Deno.readTextFile(state)) as LocalState;
    assert.equal(
      JSON.stringify(saved).includes('"pw"'),
      false,
      "the state file holds the password",
    );
    assert.equal(saved.nodes.length, 6);
    assert.ok(saved.nodes.every((n) => isRedisServer(n.pid)));
    for (const node of saved.nodes) {
      const command: string = line.replace(/-p \d+/, `-p ${node.port}`);
      assert.equal(await runShell(`REDISCLI_AUTH=pw ${command} PING`), "PONG");
    }

    const status = await runDeno(TASK, ["status", "--state", state]);
    assert.equal(status.code, 0);
    assert.equal(status.stdout.match(/ alive$/gm)?.length, 6);

    const down = await runDeno(TASK, ["down", "--state", state]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^Stopped 6 redis-server process\(es\)/);
    const upDone = await up.finished();
    assert.equal(upDone.code, 0, upDone.stderr);
    assert.match(upDone.stderr, /Stopped by "redis down"/);
    await assertRedisGone(saved.nodes.map((n) => n.pid));
    assert.equal(await exists(state), false);
    for (const dir of [...saved.nodes.map((n) => n.dir), saved.tls!.dir]) {
      assert.equal(await exists(dir), false, `${dir} was left behind`);
    }
  } finally {
    up.kill("SIGKILL");
    await up.finished();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("tasks/redis.ts exits 2 with one sentence for a usage error", async () => {
  const needsCluster = await runDeno(TASK, ["up", "--masters", "2"]);
  assert.equal(needsCluster.code, 2);
  assert.equal(needsCluster.stderr, 'Option "--masters" needs "--cluster"\n');
  const notANumber = await runDeno(TASK, ["up", "--cluster", "--replicas", "x"]);
  assert.equal(notANumber.code, 2);
  assert.equal(
    notANumber.stderr,
    'Option "--replicas" must be an integer of at least 0, got "x"\n',
  );
  const unknown = await runDeno(TASK, ["up", "--bogus"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "error: unknown option '--bogus'\n");
});

Deno.test("tasks/redis.ts up names the missing redis-server and how to install it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "redfill-task-test-" });
  try {
    const result = await runDeno(TASK, ["up", "--state", join(tmp, "local.json")], {
      PATH: "/nonexistent",
    });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'Cannot find "redis-server" on PATH: install it with "apt-get install -y redis-server"\n',
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("tasks/redis.ts down and status say so when nothing runs", async () => {
  const state = "/nonexistent/local.json";
  const down = await runDeno(TASK, ["down", "--state", state]);
  assert.equal(down.code, 0);
  assert.equal(down.stdout, `Nothing to stop: no state file at ${state}\n`);
  const status = await runDeno(TASK, ["status", "--state", state]);
  assert.equal(status.code, 0);
  assert.equal(status.stdout, `No local servers: no state file at ${state}\n`);
});
