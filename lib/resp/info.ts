/**
 * Reading `INFO` and `CLUSTER INFO` replies: `field:value` lines under `# Section` headers.
 *
 * @module
 */

/**
 * Parses `INFO` or `CLUSTER INFO` text into its `field:value` pairs.
 *
 * @param text The reply.
 * @returns The fields.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseInfo } from "./info.ts";
 * equal(parseInfo("# Cluster\r\ncluster_state:ok\r\n").cluster_state, "ok");
 * ```
 */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/**
 * Reads one field from an `INFO` reply.
 *
 * @param info The INFO text.
 * @param field The field name.
 * @returns Its value, trimmed, or undefined.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { infoField } from "./info.ts";
 * equal(infoField("# Memory\r\nused_memory:1024\r\n", "used_memory"), "1024");
 * ```
 */
export function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, "m").exec(info);
  return match?.[1]?.trim();
}
