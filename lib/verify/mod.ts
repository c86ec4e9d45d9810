/**
 * Verify: what is on the servers against what a fill says it wrote.
 *
 * @module
 */

export { displayKey, verifyDefaults, verifyFill } from "./verify.ts";
export { sampleIndices } from "./sample.ts";

export type { VerifyFillOptions } from "./verify.ts";
