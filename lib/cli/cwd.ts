/**
 * The directory the user typed the command in. `deno task` runs a task in the directory of
 * deno.json and puts the caller's directory in `INIT_CWD`; a relative path the user typed
 * (`--cacert ./ca.crt`, `--out r.json`, `--set report.out=r.json`, a pipeline file) is relative
 * to the caller's directory.
 *
 * @module
 */

/**
 * The caller's directory: `INIT_CWD` when `deno task` set it, else the working directory.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { callerDirectory } from "./cwd.ts";
 * ok(callerDirectory().length > 0);
 * ```
 *
 * @returns An absolute directory.
 */
export function callerDirectory(): string {
  let initCwd: string | undefined;
  try {
    initCwd = Deno.env.get("INIT_CWD");
  } catch {
    // no permission to read the environment: the working directory it is
  }
  return initCwd !== undefined && initCwd !== "" ? initCwd : Deno.cwd();
}
