/**
 * Helpers shared by the verify and report tests: a connected transport to a local server and
 * a small fill (8 MiB: 65,536 keys of 64+64 bytes, four per slot).
 *
 * @module
 */

import { runFill } from "../../lib/fill/fill.ts";
import type {
  FillResult,
  KeyspaceParams,
  Logger,
  StepContext,
  Target,
  Transport,
} from "../../lib/types.ts";

/** 65,536 keys of 64 + 64 bytes: 8 MiB, four keys per slot. */
export const SMALL_KEYSPACE: KeyspaceParams = {
  count: 65536,
  keySize: 64,
  valueSize: 64,
  seed: 7,
  prefix: "redfill:",
};

import { memoryLogger } from "../_local.ts";

export { memoryLogger, withTransport } from "../_local.ts";
export type { MemoryLogger } from "../_local.ts";

/**
 * Fills a fresh local server with a keyspace (flushed: it was empty).
 *
 * @param transport A connected transport.
 * @param keyspace The keyspace (default {@linkcode SMALL_KEYSPACE}).
 * @returns The fill result.
 */
export function smallFill(
  transport: Transport,
  keyspace: KeyspaceParams = SMALL_KEYSPACE,
): Promise<FillResult> {
  return runFill(transport, { keyspace, flushed: true, logger: memoryLogger() });
}

/** What a hand-made step context holds. */
export interface TestContext extends StepContext {
  /** The facts, by name. */
  facts: Map<string, unknown>;
}

/**
 * A step context over real facts (a real transport, a real fill), as the executor would build
 * it, for running one step by itself.
 *
 * @param target The target.
 * @param facts The facts already provided.
 * @param logger Where the step logs.
 * @returns The context.
 */
export function stepContext(
  target: Target,
  facts: Record<string, unknown>,
  logger: Logger = memoryLogger(),
): TestContext {
  const map = new Map(Object.entries(facts));
  return {
    facts: map,
    stepId: "under-test",
    target,
    pipeline: "test",
    get: ((fact: string) => {
      if (!map.has(fact)) throw new Error(`no fact "${fact}"`);
      return map.get(fact);
    }) as StepContext["get"],
    find: ((fact: string) => map.get(fact)) as StepContext["find"],
    has: (fact) => map.has(fact),
    provide: ((fact: string, value: unknown) => map.set(fact, value)) as StepContext["provide"],
    outputs: new Map(),
    createTransport: () => {
      throw new Error("not in this test");
    },
    defer: () => {},
    logger,
    progress: { update() {}, done() {} },
    signal: new AbortController().signal,
    steps: [],
  };
}
