import { startLocalRedis } from "../lib/local/mod.ts";
import { runFillCli } from "./_cli.ts";
await using redis = await startLocalRedis({ proxy: true });
const port = redis.proxy!.port;
for (let round = 0; round < 2; round++) {
  for (const n of ["4", "8"]) {
    const run = await runFillCli([
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-d",
      "64MB",
      "--proxy",
      "-n",
      n,
      "--report",
      "json",
    ]);
    const r = JSON.parse(run.stdout);
    console.log(
      "proxy -n",
      n,
      run.code,
      run.code ? run.stderr.slice(-600) : "",
      r.fill.mibPerSecond,
      "verify ms",
      r.steps?.find?.((s: { id: string }) => s.id === "verify")?.durationMs ?? "",
    );
  }
  const direct = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(redis.nodes[0]!.port),
    "-d",
    "64MB",
    "--replies",
    "--flush",
    "--report",
    "json",
  ]);
  console.log("direct --replies", direct.code, JSON.parse(direct.stdout).fill.mibPerSecond);
}
