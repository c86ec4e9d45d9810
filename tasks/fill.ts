/**
 * `deno task fill [flags]`: the built-in `pipelines/fill.yaml` with the original tool's flags
 * laid over it as overrides (the table is `lib/cli/fill_flags.ts`); the pipeline's schemas
 * decide what is valid. Without a flag that names a server it starts a managed local server,
 * fills it, reports, and stops it: the one-command demo.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { InterruptedError, isUserError } from "../lib/errors.ts";
import { startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError, reportRunFailure } from "../lib/cli/errors.ts";
import { demoOverrides, flagOf, localOverrides, readFillArgs } from "../lib/cli/fill_flags.ts";
import { type Interrupt, interruptOnSignals } from "../lib/cli/signals.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
import { formatPlan, runPipeline } from "../lib/pipeline/executor.ts";
import type { Override, Pipeline } from "../lib/pipeline/types.ts";
import { loadPipeline } from "../lib/builtins.ts";

const FILL_PIPELINE = fileURLToPath(new URL("../pipelines/fill.yaml", import.meta.url));

/**
 * Runs `deno task fill`.
 *
 * @param args Command-line arguments.
 * @returns The exit code.
 */
export async function main(args: readonly string[]): Promise<number> {
  const debug = args.includes("--debug");
  let local: LocalRedis | undefined;
  let interrupt: Interrupt | undefined;
  try {
    const request = readFillArgs(args);
    if (request === undefined) return 0; // --help
    const load = (extra: Override[]): Promise<Pipeline> =>
      loadPipeline(FILL_PIPELINE, {
        set: [...request.overrides, ...extra],
        env: {},
        cwd: callerDirectory(),
        optionName: flagOf,
      });
    // Every flag is checked here, before a local server starts.
    let pipeline = await load(request.local ? demoOverrides(request) : []);
    if (request.dryRun) {
      console.log(formatPlan(pipeline));
      return 0;
    }
    const logger = terminalLogger({ debug });
    if (request.local) {
      const kind = `${request.tls ? "TLS " : ""}${
        request.cluster ? "cluster (3 masters + 3 replicas)" : "standalone server"
      }`;
      logger.info(
        `No server given (-h, -p, --url…): starting a local redis-server ${kind} for this run`,
      );
      // Ctrl-C is ours from here: the fill stops, runs its barrier and reports, and only
      // then are the servers stopped (they run in their own session, so a terminal's Ctrl-C
      // does not reach them first).
      interrupt = interruptOnSignals();
      local = await startLocalRedis({
        cluster: request.cluster,
        tls: request.tls,
        handleSignals: false,
        signal: interrupt.signal,
      });
      // What runs is what the loader saw: the local server's address is an override too.
      pipeline = await load(localOverrides(local));
      logger.info(`Local ${local.kind} is up at ${local.url()}`);
    }
    interrupt ??= interruptOnSignals();
    const result = await runPipeline(pipeline, {
      logger,
      progress: terminalProgress(),
      signal: interrupt.signal,
    });
    return result.ok ? 0 : reportRunFailure(result, { debug });
  } catch (error) {
    if (interrupt?.signal.aborted && !isUserError(error)) {
      // Ctrl-C while the local servers were starting.
      return reportError(new InterruptedError("Interrupted while starting the local servers"), {
        debug,
      });
    }
    return reportError(error, { debug });
  } finally {
    if (local) {
      await local.stop();
    }
    interrupt?.dispose();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
