import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

interface JsonReport {
  ok: boolean;
  fill: { keys: number; bytes: number; nodes: Array<{ keys: number }> };
  verify: { ok: boolean; checks: Array<{ name: string; ok: boolean }> } | null;
}

Deno.test("deno task fill --help lists the original flags and keeps -h for the host", async () => {
  const run = await runFillCli(["--help"]);
  assert.equal(run.code, 0, run.stderr);
  for (
    const flag of ["-h, --host", "-p, --port", "-a, --password", "-d, --data", "-c, --cluster"]
  ) {
    assert.ok(run.stdout.includes(flag), `help lists ${flag}`);
  }
});

Deno.test("deno task fill rejects bad input with one sentence and exit 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ["-h", "127.0.0.1", "--key-size", "12", "--dry-run"],
      /^Key size 12 is too small to hold the prefix "redfill:", a slot tag and 6-digit indices: use --key-size 19 or more, or a shorter --prefix$/,
    ],
    [
      ["-h", "127.0.0.1", "-d", "12parsecs", "--dry-run"],
      /^Invalid --data "12parsecs": expected a size like 512MB, 1\.5GiB or 64KB/,
    ],
    [["-h", "127.0.0.1", "--ttl", "120-60", "--dry-run"], /^Invalid --ttl "120-60"/],
    [["-h", "127.0.0.1", "--shard", "3/3", "--dry-run"], /^Invalid --shard "3\/3"/],
    [
      ["-h", "127.0.0.1", "--conections", "2"],
      /^Unknown option "--conections"\. Did you mean "--connections"\?$/,
    ],
    [["-h", "127.0.0.1", "-p", "70000"], /^Invalid --port "70000": expected 1 … 65535$/],
    [["-h", "127.0.0.1", "--rate", "0"], /^Invalid --rate "0": expected MB\/s above 0$/],
    [["-h", "127.0.0.1", "-n", "0"], /^Invalid --connections "0": expected a whole number ≥ 1$/],
    [["-h", "127.0.0.1", "--seed", "x"], /^Invalid --seed "x": expected a whole number ≥ 0$/],
    [
      ["-h", "127.0.0.1", "-s", "-n", "4"],
      /^--serial and --connections 4 contradict each other: use one of them$/,
    ],
    [["-h", "127.0.0.1", "--pipeline", "lots"], /^Invalid --pipeline "lots": expected a size/],
    [
      ["-h", "127.0.0.1", "--cacert", "ca.crt"],
      /^TLS options \(--cacert, --cert, --key, --sni, --insecure\) need --tls$/,
    ],
    [
      ["-h", "127.0.0.1", "--connect-timeout", "0"],
      /^Invalid --connect-timeout "0": expected a whole number ≥ 1$/,
    ],
    [["-h", "127.0.0.1", "extra"], /^Unexpected argument "extra": this command takes only flags$/],
    [
      ["-h", "127.0.0.1", "--report", "xml"],
      /^Option "--report <format>" argument "xml" is not allowed: expected one of table, json, md$/,
    ],
    [
      ["--url", "http://127.0.0.1:6379"],
      /^The --url must start with redis:\/\/, rediss:\/\/ or unix:\/\/, found "http:\/\/127\.0\.0\.1:6379"$/,
    ],
    [
      ["--url", "redis://127.0.0.1:6379/3"],
      /^The --url selects database "3": redfill writes to database 0 only$/,
    ],
    [
      ["--url", "redis://:100%@127.0.0.1"],
      /^The --url has a user name or password that is not valid percent-encoding$/,
    ],
    [
      ["--url", "redis://:s3cret@127.0.0.1:99999"],
      /^The --url is not a URL: expected redis:\/\/host:port, rediss:\/\/host:port \(TLS\) or unix:\/\/\/path, found "redis:\/\/:\*\*\*@127\.0\.0\.1:99999"$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const run = await runFillCli(args);
    assertFailure(run, 2, pattern);
  }
});

Deno.test("deno task fill -d 64MB writes exactly 65536 keys of 512 + 512 bytes, flushed first", async () => {
  await using local = await startLocalRedis();
  const port = String(local.nodes[0]!.port);
  const client = new Redis({ host: "127.0.0.1", port: Number(port), lazyConnect: true });
  try {
    await client.connect();
    await client.set("left:over", "1");
    const run = await runFillCli([
      "-h",
      "127.0.0.1",
      "-p",
      port,
      "-d",
      "64MB",
      "-f",
      "--report",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(report.fill.keys, 65536);
    assert.equal(report.fill.bytes, 64 * 1024 * 1024);
    assert.equal(report.verify?.ok, true);
    assert.equal(await client.dbsize(), 65536, "FLUSHALL removed the key left over");
  } finally {
    client.disconnect();
  }
});

Deno.test("deno task fill writes TTLs, shards and a custom prefix as asked", async () => {
  await using local = await startLocalRedis();
  const port = String(local.nodes[0]!.port);
  const client = new Redis({ host: "127.0.0.1", port: Number(port), lazyConnect: true });
  try {
    await client.connect();
    const base = [
      "-h",
      "127.0.0.1",
      "-p",
      port,
      "-d",
      "3MB",
      "--key-size",
      "64",
      "--value-size",
      "64",
    ];
    const shard = await runFillCli([
      ...base,
      "--shard",
      "1/3",
      "--prefix",
      "demo:",
      "--ttl",
      "300-600",
    ]);
    assert.equal(shard.code, 0, shard.stderr);
    const n = Math.ceil((3 * 1024 * 1024) / 128);
    const expected = Math.floor((2 * n) / 3) - Math.floor(n / 3);
    assert.equal(await client.dbsize(), expected);
    const [, keys] = await client.scan("0", "MATCH", "demo:*", "COUNT", 100);
    assert.ok(keys.length > 0);
    for (const key of keys) {
      assert.equal(key.length, 64);
      const ttl = await client.ttl(key);
      assert.ok(ttl > 290 && ttl <= 600, `TTL of ${key} is ${ttl}`);
    }
  } finally {
    client.disconnect();
  }
});

Deno.test("deno task fill --dry-run reads a bare -d as GiB and prints the plan without connecting", async () => {
  const run = await runFillCli(["-h", "127.0.0.1", "-p", "1", "-d", "2", "--dry-run"], {
    permissions: ["-A", "--deny-net"],
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /size: 2147483648|2\.0 GiB|2147483648/);
});

Deno.test("deno task fill --url rediss://… fills a TLS server with the given certificates", async () => {
  await using local = await startLocalRedis({ tls: true, mtls: true });
  const tls = local.tls!;
  const run = await runFillCli([
    "--url",
    `rediss://127.0.0.1:${local.nodes[0]!.port}`,
    "--cacert",
    tls.ca,
    "--cert",
    tls.cert,
    "--key",
    tls.key,
    "-d",
    "4MB",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as JsonReport).fill.keys, 4096);
});

Deno.test("deno task fill reads -p without -h as 127.0.0.1, as redis-cli does, and still wants --tls for --cacert", async () => {
  const run = await runFillCli(["--cacert", "ca.crt", "-p", "7000", "--dry-run"]);
  assertFailure(run, 2, /^TLS options \(--cacert, --cert, --key, --sni, --insecure\) need --tls$/);
});
