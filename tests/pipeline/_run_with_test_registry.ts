/**
 * `tasks/run.ts` with the test registry, so CLI tests run before the built-in steps exist.
 *
 * @module
 */

import { main } from "../../tasks/run.ts";
import { testRegistry } from "./_registry.ts";

Deno.exit(await main(Deno.args, { registry: testRegistry() }));
