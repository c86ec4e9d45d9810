import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runFillCli } from "../_cli.ts";

const PASSWORD = "s3cret-Pa55word-do-not-print";
const USER_PASSWORD = "user-Pa55-never-printed";

Deno.test("deno task fill exits 3 on auth faults, names the cause and never prints the password", async () => {
  const redis = await startLocalRedis({
    password: PASSWORD,
    user: { name: "filler", password: USER_PASSWORD },
  });
  try {
    const base = ["-h", "127.0.0.1", "-p", String(redis.nodes[0]!.port), "-d", "1MB"];
    const wrong = "wrong-Pa55word-also-secret";

    await Promise.all([
      (async () => {
        const run = await runFillCli([...base, "-a", wrong]);
        assertFailure(run, 3, /Authentication failed on "127\.0\.0\.1:\d+": wrong password/, [
          wrong,
          PASSWORD,
        ]);
      })(),
      (async () => {
        const run = await runFillCli([...base, "-u", "nobody", "-a", USER_PASSWORD]);
        assertFailure(
          run,
          3,
          /Authentication failed on "127\.0\.0\.1:\d+": wrong password or unknown user/,
          [
            USER_PASSWORD,
            PASSWORD,
          ],
        );
      })(),
      (async () => {
        const run = await runFillCli(base);
        assertFailure(run, 3, /"127\.0\.0\.1:\d+" requires a password: pass --password/, [
          PASSWORD,
        ]);
      })(),
      (async () => {
        // The password from REDISCLI_AUTH, wrong: the same sentence, and it is not echoed.
        const run = await runFillCli(base, { env: { REDISCLI_AUTH: wrong } });
        assertFailure(run, 3, /Authentication failed on/, [wrong]);
      })(),
    ]);
  } finally {
    await redis.stop();
  }
});
