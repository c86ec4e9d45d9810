/**
 * `deno task bench …` as a user runs it, for the bench tests: the command line in a child
 * process from the repository's root, without a GitHub step summary.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Runs `redfill bench` with `args`.
 *
 * @param args The flags.
 * @returns The exit code and what it printed.
 */
export async function bench(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "tasks/redfill.ts", "bench", ...args],
    cwd: ROOT,
    env: { GITHUB_STEP_SUMMARY: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}
