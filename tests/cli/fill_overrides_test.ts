import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { type CliRun, runDeno, runFillCli } from "../_cli.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface JsonReport {
  ok: boolean;
  target: { address: string; tls: boolean };
  fill: { keys: number } | null;
  verify: unknown;
  steps: Array<{ id: string }>;
}

/** Runs `deno task --cwd ROOT fill ARGS` from another directory, as a user would. */
function denoTaskFill(args: string[], cwd: string): Promise<CliRun> {
  return runDeno(["task", "--cwd", ROOT, "fill", ...args], { cwd });
}

Deno.test("deno task fill --no-verify shows verify with enabled: false in --dry-run and skips it", async () => {
  const plan = await runFillCli(["-p", "7000", "--no-verify", "--dry-run"], {
    permissions: ["-A", "--deny-net"],
  });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /Target: redis:\/\/127\.0\.0\.1:7000, mode auto/);
  assert.match(plan.stdout, /\d\. verify\n\s+options: \{"enabled":false,"tolerance":0\.2,/);

  await using local = await startLocalRedis();
  const port = local.nodes[0]!.port;
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  try {
    await client.connect();
    // -p alone: host 127.0.0.1, as redis-cli reads it, not the local demo.
    const run = await runFillCli([
      "-p",
      String(port),
      "-d",
      "1MB",
      "--no-verify",
      "--report",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(report.target.address, `127.0.0.1:${port}`);
    assert.equal(report.fill?.keys, 1024);
    assert.equal(report.verify, null, "verify reported no verdict");
    assert.doesNotMatch(run.stderr, /No server given|Verify (passed|failed)/);
    assert.equal(await client.dbsize(), 1024);
  } finally {
    client.disconnect();
  }
});

Deno.test("deno task fill run from another directory reads --cacert and writes --out there (INIT_CWD)", async () => {
  await using local = await startLocalRedis({ tls: true });
  const dir = await Deno.makeTempDir({ prefix: "redfill-init-cwd-" });
  try {
    await Deno.copyFile(local.tls!.ca, join(dir, "ca.crt"));
    const run = await denoTaskFill([
      "-p",
      String(local.nodes[0]!.port),
      "-t",
      "--cacert",
      "./ca.crt",
      "-d",
      "1MB",
      "--report",
      "json",
      "--out",
      "./out/r.json",
    ], dir);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(await Deno.readTextFile(join(dir, "out", "r.json"))) as JsonReport;
    assert.equal(report.ok, true);
    assert.equal(report.target.tls, true);
    assert.equal(report.fill?.keys, 1024);
    await assert.rejects(Deno.stat(join(ROOT, "out", "r.json")), Deno.errors.NotFound);

    // A CA file that is not in the caller's directory is named by its flag, resolved there.
    const missing = await denoTaskFill(["-p", "1", "-t", "--cacert", "./nope.crt"], dir);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(
      missing.stderr.trim().split("\n").at(-1),
      `Cannot read the CA certificate (--cacert) file "${join(dir, "nope.crt")}": no such file`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
