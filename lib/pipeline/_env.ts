/**
 * `${env.NAME}` in string values: replaced by the variable (a missing one is a problem at its
 * place); a plain value that is only the reference is read as YAML would read the text
 * (`port: ${env.PORT}` is a number); `$${env.NAME}` is the literal text.
 *
 * @module
 */

import { parse as parseYaml, visit } from "yaml";
import { type LoadState, offsetOf } from "./_load_state.ts";

/** A `${env.NAME}` reference; `$${…}` escapes it. */
const ENV_REFERENCE = /\$(\$?)\{env\.([^}]*)\}/g;
/** An environment variable name. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${env.NAME}` in every string value of the document.
 *
 * @param state The load.
 * @param env The variables, or undefined for the process environment.
 */
export function substituteEnv(
  state: LoadState,
  env: Record<string, string | undefined> | undefined,
): void {
  const lookup = (name: string): string | undefined => {
    if (env !== undefined) return env[name];
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
  visit(state.doc, {
    Scalar(key, node) {
      if (key === "key" || typeof node.value !== "string" || !node.value.includes("${")) return;
      const text = node.value;
      const start = offsetOf(node) ?? 0;
      const raw = state.source.slice(start, node.range?.[1] ?? start);
      let whole = false;
      let failed = false;
      const replaced = text.replace(ENV_REFERENCE, (match, escaped: string, name: string) => {
        if (escaped === "$") return match.slice(1);
        const at = raw.indexOf(match);
        const offset = at === -1 ? start : start + at;
        if (!ENV_NAME.test(name)) {
          state.problem(
            offset,
            `"${match}" is not a valid environment variable reference: use \${env.NAME}`,
          );
          failed = true;
          return match;
        }
        const value = lookup(name);
        if (value === undefined) {
          state.problem(
            offset,
            `Environment variable "${name}" is not set: set it, or write the value in place of "${match}"`,
          );
          failed = true;
          return match;
        }
        whole = match === text;
        return value;
      });
      if (failed || replaced === text) return;
      node.value = replaced;
      if (whole && node.type === "PLAIN") {
        try {
          const reread: unknown = parseYaml(replaced);
          if (typeof reread === "number" || typeof reread === "boolean") node.value = reread;
        } catch {
          // not a scalar YAML would read differently: keep the text
        }
      }
    },
  });
}
