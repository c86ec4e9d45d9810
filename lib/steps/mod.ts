/**
 * The built-in steps and transports, registered through the same registry a user plugin
 * uses.
 *
 * @module
 */

import type { Registry } from "../pipeline/registry.ts";
import { defineTransport } from "../pipeline/define.ts";
import { autoTransport } from "../transport/auto.ts";
import { clusterTransport } from "../transport/cluster.ts";
import { standaloneTransport } from "../transport/standalone.ts";
import { connectStep, discoverStep } from "./connect.ts";
import { fillStep, keyspaceStep } from "./fill.ts";
import { flushStep } from "./flush.ts";
import { reportStep } from "./report.ts";
import { verifyStep } from "./verify.ts";

export { connectStep, discoverStep } from "./connect.ts";
export { fillStep, keyspaceStep } from "./fill.ts";
export { flushStep } from "./flush.ts";
export { reportStep } from "./report.ts";
export { verifyStep } from "./verify.ts";

/** The built-in transports, as plugins. */
export const builtinTransports = [standaloneTransport, clusterTransport, autoTransport].map(
  (transport) => defineTransport(transport),
);

/** The built-in steps, as plugins. */
export const builtinSteps = [
  connectStep,
  discoverStep,
  flushStep,
  fillStep,
  keyspaceStep,
  verifyStep,
  reportStep,
] as const;

/**
 * Registers the built-in steps and transports.
 *
 * @param registry The registry to add to.
 */
export function registerBuiltins(registry: Registry): void {
  for (const transport of builtinTransports) registry.registerTransport(transport);
  for (const step of builtinSteps) registry.registerStep(step);
}
