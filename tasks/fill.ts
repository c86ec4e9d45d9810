/**
 * `redfill fill [flags]` (and `deno task fill`): the built-in `pipelines/fill.yaml` with the
 * original tool's flags laid over it as overrides (the table is `lib/cli/fill_flags.ts`); the
 * pipeline's schemas decide what is valid. Without a flag that names a server it starts a
 * managed local server, fills it, reports, and stops it: the one-command demo.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { InterruptedError, isUserError, UsageError } from "../lib/errors.ts";
import { startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { askPassword } from "../lib/cli/askpass.ts";
import { type CommandContext, inProcessContext } from "../lib/cli/command.ts";
import { callerDirectory } from "../lib/cli/cwd.ts";
import { reportError, reportRunFailure } from "../lib/cli/errors.ts";
import { flagOf } from "../lib/cli/fill_flags.ts";
import {
  demoOverrides,
  localOverrides,
  PASSWORD_WARNING,
  readFillArgs,
} from "../lib/cli/fill_args.ts";
import type { GracefulPeriod } from "../lib/cli/signals.ts";
import { terminalLogger, terminalProgress } from "../lib/cli/terminal.ts";
import { formatPlan, runPipeline } from "../lib/pipeline/executor.ts";
import type { Override, Pipeline } from "../lib/pipeline/types.ts";
import { type LoadOptions, loadPipeline, parsePipeline } from "../lib/builtins.ts";

/** The built-in pipeline `deno task fill` lays its flags over. */
const FILL_PIPELINE = new URL("../pipelines/fill.yaml", import.meta.url);

/**
 * Loads `pipelines/fill.yaml` with overrides: from its file in a local copy, or fetched when
 * redfill itself runs from a URL (installed from a registry).
 */
async function loadFillPipeline(options: LoadOptions): Promise<Pipeline> {
  if (FILL_PIPELINE.protocol === "file:") {
    return await loadPipeline(fileURLToPath(FILL_PIPELINE), options);
  }
  const response = await fetch(FILL_PIPELINE);
  if (!response.ok) {
    throw new UsageError(
      `Cannot read ${FILL_PIPELINE.href}: ${response.status} ${response.statusText}`,
    );
  }
  return await parsePipeline(await response.text(), FILL_PIPELINE.href, options);
}

/**
 * Runs `redfill fill`.
 *
 * @param args Command-line arguments after `fill`.
 * @param context The command's name, version and signals.
 * @returns The exit code.
 */
export async function main(
  args: readonly string[],
  context: CommandContext = inProcessContext("fill"),
): Promise<number> {
  const debug = args.includes("--debug");
  const logger = terminalLogger({ debug });
  let local: LocalRedis | undefined;
  let period: GracefulPeriod | undefined;
  try {
    const request = readFillArgs(args, undefined, {
      name: context.name,
      version: context.version,
    });
    if (request === undefined) return 0; // --help or --version
    if (request.passwordOnCommandLine) logger.warn(PASSWORD_WARNING);
    if (request.askpass) {
      const password = await askPassword();
      request.overrides.push({
        path: "target.password",
        value: password,
        origin: { flag: "--askpass" },
      });
    }
    const load = (extra: Override[]): Promise<Pipeline> =>
      loadFillPipeline({
        set: [...request.overrides, ...extra],
        env: {},
        cwd: callerDirectory(),
        optionName: flagOf,
      });
    // Every flag is checked here (and --out can be written), before a local server starts.
    let pipeline = await load(request.local ? demoOverrides(request) : []);
    if (request.dryRun) {
      console.log(formatPlan(pipeline));
      return 0;
    }
    // From here a Ctrl-C (or SIGTERM) stops the fill, runs its barrier and reports; only then
    // are local servers stopped (they run in their own session, so a terminal's Ctrl-C does
    // not reach them first).
    period = context.signals.graceful();
    if (request.local) {
      const kind = `${request.tls ? "TLS " : ""}${
        request.cluster ? "cluster (3 masters + 3 replicas)" : "standalone server"
      }`;
      logger.info(
        `No server given (-h, -p, --url…): starting a local redis-server ${kind} for this run`,
      );
      local = await startLocalRedis({
        cluster: request.cluster,
        tls: request.tls,
        handleSignals: false,
        signal: period.signal,
      });
      // What runs is what the loader saw: the local server's address is an override too.
      pipeline = await load(localOverrides(local));
      logger.info(`Local ${local.kind} is up at ${local.url()}`);
    }
    const result = await runPipeline(pipeline, {
      logger,
      progress: terminalProgress(),
      signal: period.signal,
    });
    return result.ok ? 0 : reportRunFailure(result, { debug });
  } catch (error) {
    if (period?.signal.aborted && !isUserError(error)) {
      // A signal while the local servers were starting.
      const reason: unknown = period.signal.reason;
      return reportError(
        new InterruptedError("Interrupted while starting the local servers", {
          signal: reason instanceof InterruptedError ? reason.signal : "SIGINT",
        }),
        { debug },
      );
    }
    return reportError(error, { debug, optionName: flagOf });
  } finally {
    period?.dispose();
    if (local) await local.stop();
  }
}
