import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, assertNoSecret, type CliRun, redisCli, runFillCli } from "../_cli.ts";

const PASSWORD = "acl-Pa55word-never-printed";

/** Each user may do everything but what its name says. */
const USERS: Record<string, string[]> = {
  noinfo: ["~*", "&*", "+@all", "-info"],
  nodbsize: ["~*", "&*", "+@all", "-dbsize"],
  noget: ["~*", "&*", "+@all", "-get"],
  noflush: ["~*", "&*", "+@all", "-flushall", "-flushdb"],
  // May write only keys of another prefix: the data sockets' replies say NOPERM.
  nokeys: ["~other:*", "&*", "+@all"],
};

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

function checksOf(run: CliRun): Check[] {
  const report = JSON.parse(run.stdout) as { verify: { checks: Check[] } | null };
  return report.verify?.checks ?? [];
}

function assertNoStack(run: CliRun): void {
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.doesNotMatch(run.stderr, /^\s+at /m, context);
  assert.doesNotMatch(run.stderr, /Uncaught|ReplyError|please report/i, context);
  assertNoSecret(run, [PASSWORD]);
}

Deno.test("ACL users without INFO, DBSIZE, GET, FLUSHALL or their keys: one sentence each naming the user, the command, the node and the fix, the right exit code", async () => {
  await using redis = await startLocalRedis({});
  const port = redis.nodes[0]!.port;
  for (const [name, rules] of Object.entries(USERS)) {
    assert.equal(
      await redisCli(port, "ACL", "SETUSER", name, "on", `>${PASSWORD}`, ...rules),
      "OK",
    );
  }
  const node = `"127\\.0\\.0\\.1:${port}"`;
  const fill = (user: string, ...extra: string[]) =>
    runFillCli(
      ["-h", "127.0.0.1", "-p", String(port), "--username", user, "-d", "1MB", ...extra],
      { env: { REDISCLI_AUTH: PASSWORD } },
    );

  // FLUSHALL refused: nothing flushed, nothing written (the marker survives, no key added).
  assert.equal(await redisCli(port, "SET", "marker", "kept"), "OK");
  const noflush = await fill("noflush", "--flush", "--report", "json");
  assertFailure(
    noflush,
    3,
    new RegExp(
      `^Step "flush" failed: The user "noflush" may not run FLUSHALL on ${node}: grant it with ACL SETUSER noflush \\+flushall, or pass --flush prefix to delete only this fill's keys with SCAN and UNLINK$`,
    ),
    [PASSWORD],
  );
  assert.equal(await redisCli(port, "GET", "marker"), "kept");
  assert.equal(await redisCli(port, "DBSIZE"), "1");

  // --flush prefix needs no FLUSHALL: the same user fills after SCAN + UNLINK.
  const prefix = await fill("noflush", "--flush", "prefix", "--report", "json");
  assert.equal(prefix.code, 0, prefix.stderr);
  assertNoStack(prefix);
  assert.equal(await redisCli(port, "GET", "marker"), "kept");

  // INFO refused: the fill and the exact count run; the warning and the report say what lacks.
  const noinfo = await fill("noinfo", "--report", "json");
  assert.equal(noinfo.code, 0, noinfo.stderr);
  assertNoStack(noinfo);
  assert.match(
    noinfo.stderr,
    new RegExp(
      `warning: The user "noinfo" may not run INFO on ${node}: redfill cannot check that it is a master, and the report has no memory figures \\(grant it with ACL SETUSER noinfo \\+info\\)`,
    ),
  );
  const memory = checksOf(noinfo).find((check) => check.name === "memory");
  assert.match(memory?.detail ?? "", /^not measured: the user "noinfo" may not run INFO/);

  // DBSIZE refused: the exact count does not need it; the report says it was not read.
  const nodbsize = await fill("nodbsize", "--flush", "--report", "json");
  assert.equal(nodbsize.code, 0, nodbsize.stderr);
  assertNoStack(nodbsize);
  const checks = checksOf(nodbsize);
  assert.match(checks.find((check) => check.name === "count")?.detail ?? "", /exact/);
  assert.match(
    checks.find((check) => check.name === "dbsize")?.detail ?? "",
    /^not read: the user "nodbsize" may not run DBSIZE on .*\+dbsize; the exact count above does not need it$/,
  );

  // GET refused: the content check cannot run; verify fails with its own code.
  const noget = await fill("noget", "--report", "json");
  assertFailure(
    noget,
    1,
    new RegExp(
      `^Step "verify" failed: The user "noget" may not run GET on ${node}: grant it with ACL SETUSER noget \\+get, or set verify\\.sample: 0 to skip the content check$`,
    ),
    [PASSWORD],
  );

  // The keys refused, acked: every write answered NOPERM on the data sockets; a fill error.
  const nokeys = await fill("nokeys", "--replies", "--report", "json");
  assertFailure(
    nokeys,
    4,
    new RegExp(
      `rejected 1,024 of 1,024 writes with "NOPERM .*": the user "nokeys" may not touch the keys SET names on ${node}: grant them with ACL SETUSER nokeys ~redfill:\\*$`,
    ),
    [PASSWORD],
  );
});
