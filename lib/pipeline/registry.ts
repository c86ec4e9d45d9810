/**
 * The registry of steps and transports. Built-ins register through it exactly as a user's
 * plugin does (Lume's `site.use(plugin)`); the loader and the executor see only a registry.
 *
 * @module
 */

import type { StepDefinition, TargetMode, TransportDefinition } from "../types.ts";
import { stepDefinitionProblem, transportDefinitionProblem } from "./define.ts";

/**
 * Steps by name and transports by name, in registration order.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { z } from "zod";
 * import { defineStep } from "./define.ts";
 * import { Registry } from "./registry.ts";
 *
 * const registry = new Registry().registerStep(defineStep({
 *   name: "noop", description: "Does nothing", options: z.strictObject({}), run: () => null,
 * }));
 * equal(registry.step("noop")?.name, "noop");
 * ```
 */
export class Registry {
  #steps = new Map<string, StepDefinition>();
  #transports = new Map<string, TransportDefinition>();

  /**
   * Registers a step. Registering the same definition twice is a no-op.
   *
   * @param step A definition made with `defineStep`.
   * @returns This registry.
   * @throws {Error} when the definition is malformed or another step has its name.
   */
  registerStep(step: StepDefinition): this {
    const problem = stepDefinitionProblem(step);
    if (problem !== undefined) throw new Error(`Cannot register a step: ${problem}`);
    const existing = this.#steps.get(step.name);
    if (existing !== undefined && existing !== step) {
      throw new Error(`Cannot register step "${step.name}": another step has that name`);
    }
    this.#steps.set(step.name, step);
    return this;
  }

  /**
   * Registers a transport. Registering the same definition twice is a no-op.
   *
   * @param transport A definition made with `defineTransport`.
   * @returns This registry.
   * @throws {Error} when the definition is malformed or another transport has its name.
   */
  registerTransport(transport: TransportDefinition): this {
    const problem = transportDefinitionProblem(transport);
    if (problem !== undefined) throw new Error(`Cannot register a transport: ${problem}`);
    const existing = this.#transports.get(transport.name);
    if (existing !== undefined && existing !== transport) {
      throw new Error(
        `Cannot register transport "${transport.name}": another transport has that name`,
      );
    }
    this.#transports.set(transport.name, transport);
    return this;
  }

  /**
   * The step registered under a name.
   *
   * @param name Step name.
   * @returns The definition, or undefined.
   */
  step(name: string): StepDefinition | undefined {
    return this.#steps.get(name);
  }

  /**
   * The transport registered under a name.
   *
   * @param name Transport name.
   * @returns The definition, or undefined.
   */
  transport(name: string): TransportDefinition | undefined {
    return this.#transports.get(name);
  }

  /**
   * Every registered step.
   *
   * @returns The steps in registration order.
   */
  steps(): StepDefinition[] {
    return [...this.#steps.values()];
  }

  /**
   * Every registered transport.
   *
   * @returns The transports in registration order.
   */
  transports(): TransportDefinition[] {
    return [...this.#transports.values()];
  }

  /**
   * The first registered transport that handles a target mode.
   *
   * @param mode The target's mode.
   * @returns The transport, or undefined when none handles the mode.
   */
  transportFor(mode: TargetMode): TransportDefinition | undefined {
    return this.transports().find((transport) => transport.modes.includes(mode));
  }

  /**
   * A new registry with the same steps and transports, so a pipeline can add its modules'
   * transports without changing the registry it was loaded with.
   *
   * @returns The copy.
   */
  clone(): Registry {
    const copy = new Registry();
    for (const step of this.#steps.values()) copy.registerStep(step);
    for (const transport of this.#transports.values()) copy.registerTransport(transport);
    return copy;
  }
}
