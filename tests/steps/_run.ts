/**
 * Runs built-in steps as a user's pipeline would: pipeline text against a local server,
 * loaded with the real registry and run by the real executor, with the log kept.
 *
 * @module
 */

import { defaultRegistry, parsePipeline } from "../../lib/builtins.ts";
import type { LocalRedis } from "../../lib/local/mod.ts";
import { runPipeline } from "../../lib/pipeline/executor.ts";
import type { Registry } from "../../lib/pipeline/registry.ts";
import type { RunResult } from "../../lib/pipeline/types.ts";
import { memoryLogger } from "../_local.ts";

/** What {@linkcode runSteps} returns. */
export interface StepsRun {
  /** What the executor returned. */
  result: RunResult;
  /** Every line logged, as `level: message`. */
  lines: string[];
}

/** Options for {@linkcode runSteps}. */
export interface RunStepsOptions {
  /** The `target:` map, as YAML (default: the local server's first master and mode). */
  target?: string;
  /** Steps and transports (default: the built-ins). */
  registry?: Registry;
}

/**
 * The `target:` map that reaches a local server: address, mode, TLS files, and the password
 * through `${env.REDFILL_TEST_PASSWORD}`.
 *
 * @param local The running servers.
 * @returns One YAML flow map.
 */
export function targetYaml(local: LocalRedis): string {
  const seed = local.masters()[0]!;
  const parts = [`host: 127.0.0.1`, `port: ${seed.port}`, `mode: ${local.kind}`];
  if (local.tls) {
    parts.push(`tls: { ca: ${local.tls.ca}, cert: ${local.tls.cert}, key: ${local.tls.key} }`);
  }
  if (local.password !== undefined) parts.push('password: "${env.REDFILL_TEST_PASSWORD}"');
  return `{ ${parts.join(", ")} }`;
}

/**
 * Loads `steps` (YAML list items) as a pipeline against a local server and runs it.
 *
 * @param local The running servers (or undefined with `options.target`).
 * @param steps The steps, e.g. `"  - connect\n  - discover\n"`.
 * @param options Another target or registry.
 * @returns The run's result and log.
 */
export async function runSteps(
  local: LocalRedis | undefined,
  steps: string,
  options: RunStepsOptions = {},
): Promise<StepsRun> {
  const target = options.target ?? targetYaml(local!);
  const pipeline = await parsePipeline(
    `version: 1\nname: steps-test\ntarget: ${target}\nsteps:\n${steps}`,
    "fixtures/pipelines/steps-test.yaml",
    {
      registry: options.registry ?? defaultRegistry(),
      env: local?.password === undefined ? {} : { REDFILL_TEST_PASSWORD: local.password },
    },
  );
  const logger = memoryLogger();
  const result = await runPipeline(pipeline, { logger });
  return { result, lines: logger.lines };
}
