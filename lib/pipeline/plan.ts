/**
 * The plan check: before the first step runs, every fact a step needs must be provided by
 * an earlier step. A missing fact is an error that says which step to add, and where.
 *
 * @module
 */

import type { FactName } from "../types.ts";
import type { Registry } from "./registry.ts";

/** What the plan check needs to know of a step. */
export interface PlanStep {
  /** Step id. */
  id: string;
  /** Step name. */
  name: string;
  /** Facts it needs. */
  needs: readonly FactName[];
  /** Facts it provides. */
  provides: readonly FactName[];
  /** 1-based line of the step. */
  line: number;
}

/** A fact that a step needs and no earlier step provides. */
export interface PlanProblem {
  /** Index of the step in the list checked. */
  index: number;
  /** The fact. */
  fact: FactName;
  /** The sentence, e.g. `step "verify" needs a fill result: add a "fill" step before line 14`. */
  reason: string;
}

/** Human words for the built-in facts. */
const FACT_WORDS: Record<string, string> = {
  connection: "a connection",
  topology: "a topology",
  fill: "a fill result",
  verify: "a verify result",
};

/**
 * A fact as a person would name it: `connection` → "a connection".
 *
 * @param fact A fact name.
 * @returns Words for it.
 */
export function factWords(fact: FactName): string {
  return FACT_WORDS[fact] ?? `the fact "${fact}"`;
}

/**
 * Walks the steps in order and finds every fact needed before it is provided.
 *
 * @param steps The steps, in order.
 * @param registry Where to look for a step that provides a missing fact.
 * @returns The problems, in step order.
 */
export function planProblems(steps: readonly PlanStep[], registry: Registry): PlanProblem[] {
  const provided = new Set<FactName>();
  const problems: PlanProblem[] = [];
  steps.forEach((step, index) => {
    for (const fact of step.needs) {
      if (provided.has(fact)) continue;
      const later = steps.slice(index + 1).find((other) => other.provides.includes(fact));
      const provider = registry.steps().find((other) => other.provides.includes(fact));
      let fix: string;
      if (later !== undefined) {
        fix = `move step "${later.id}" (line ${later.line}) before line ${step.line}`;
      } else if (provider !== undefined) {
        fix = `add a "${provider.name}" step before line ${step.line}`;
      } else {
        fix =
          `no registered step provides it; add a step that provides "${fact}" before line ${step.line}`;
      }
      problems.push({
        index,
        fact,
        reason: `step "${step.id}" needs ${factWords(fact)}: ${fix}`,
      });
    }
    for (const fact of step.provides) provided.add(fact);
  });
  return problems;
}
