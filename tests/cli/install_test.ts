/**
 * The README's install line gives a working `redfill` command: installed into a temporary
 * DENO_INSTALL_ROOT, it prints the version and the same help as `deno task fill`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runDeno } from "../_cli.ts";

Deno.test("deno install --global --name redfill gives redfill --version and redfill fill --help", async () => {
  const root = await Deno.makeTempDir({ prefix: "redfill-install-" });
  try {
    const install = await runDeno(
      [
        "install",
        "--global",
        "--name",
        "redfill",
        "--allow-all",
        "--config",
        "deno.json",
        "tasks/redfill.ts",
      ],
      { env: { DENO_INSTALL_ROOT: root } },
    );
    assert.equal(install.code, 0, install.stderr);
    const redfill = join(root, "bin", "redfill");
    // As a user's shell runs it: no INIT_CWD, which `deno task test` sets.
    const env = Deno.env.toObject();
    delete env.INIT_CWD;
    const run = async (...args: string[]) => {
      const output = await new Deno.Command(redfill, {
        args,
        cwd: root,
        clearEnv: true,
        env: { ...env, NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
    };
    const config = JSON.parse(await Deno.readTextFile("deno.json")) as { version: string };
    assert.deepEqual(await run("--version"), { code: 0, stdout: `redfill ${config.version}\n` });
    const help = await run("fill", "--help");
    assert.equal(help.code, 0);
    assert.equal(help.stdout, await Deno.readTextFile("fixtures/help/fill.txt"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
