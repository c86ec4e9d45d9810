/**
 * `redfill run` with one more step registered the way the built-ins are (not from a `uses:`
 * module), which throws a TypeError: what a bug in a built-in step looks like to the CLI. Run
 * as a subprocess by `errors_test.ts`: `deno run -A tests/cli/_bug_run.ts FILE`.
 *
 * @module
 */

import { defineStep } from "../../lib/pipeline/define.ts";
import { defaultRegistry } from "../../lib/builtins.ts";
import { main } from "../../tasks/run.ts";

const registry = defaultRegistry();
registry.registerStep(defineStep({
  name: "buggy",
  description: "A registered step with a bug: it reads a property of undefined",
  run(): number {
    const missing = undefined as unknown as { size: number };
    return missing.size;
  },
}));
Deno.exit(await main(Deno.args, undefined, { registry }));
