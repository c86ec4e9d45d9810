/**
 * Masking of secrets in what the loader prints: the offending line of a file and the sentence
 * of a problem. The one place the loader hides a password; it keeps today's rules (the
 * `password:` value, the URL's password part, and every known secret as text).
 *
 * @module
 */

/** A URL's password part: `redis://user:PASSWORD@`. */
const URL_PASSWORD = /(rediss?:\/\/[^:@/\s"']*:)([^@\s"']+)(@)/g;

/** Whether a value is only an `${env.NAME}` reference (shown as written: it is not a secret). */
function isEnvReference(value: string): boolean {
  return /^["']?\$\{env\.[^}]*\}["']?$/.test(value);
}

/**
 * Masks the secrets in a line of a pipeline file.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { maskLine } from "./_mask.ts";
 * equal(maskLine("  password: hunter2", new Set()), "  password: ***");
 * equal(maskLine("  url: redis://:pw@h:1", new Set()), "  url: redis://:***@h:1");
 * ```
 *
 * @param line The line as written.
 * @param secrets Secrets known to the load.
 * @returns The line with `***` in place of each secret.
 */
export function maskLine(line: string, secrets: ReadonlySet<string>): string {
  let masked = line
    .replace(URL_PASSWORD, "$1***$3")
    .replace(
      /^(\s*(?:-\s+)?["']?password["']?\s*:\s*)(.*?)(\s+#.*)?$/,
      (_m, key: string, value: string, comment: string | undefined) =>
        value === "" || isEnvReference(value)
          ? `${key}${value}${comment ?? ""}`
          : `${key}***${comment ?? ""}`,
    );
  masked = masked.replace(
    /([{,]\s*["']?password["']?\s*:\s*)("[^"]*"|'[^']*'|[^,}\s]+)/g,
    (match, key: string, value: string) => (isEnvReference(value) ? match : `${key}***`),
  );
  for (const secret of secrets) {
    if (secret.length >= 3) masked = masked.split(secret).join("***");
  }
  return masked;
}

/**
 * Masks the secrets in a problem's sentence.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { maskText } from "./_mask.ts";
 * equal(maskText('Bad "s3cret"', new Set(["s3cret"])), 'Bad "***"');
 * ```
 *
 * @param text The sentence.
 * @param secrets Secrets known to the load.
 * @returns The sentence with `***` in place of each secret.
 */
export function maskText(text: string, secrets: ReadonlySet<string>): string {
  let masked = text.replace(URL_PASSWORD, "$1***$3");
  for (const secret of secrets) {
    if (secret.length >= 1) masked = masked.split(secret).join("***");
  }
  return masked;
}

/**
 * The secrets a target's written values hold: the password and the URL's password part
 * (raw and percent-decoded). `${env.…}` references are not secrets.
 *
 * @param password The `password` value as written, if any.
 * @param url The `url` value as written, if any.
 * @returns The secrets to mask.
 */
export function targetSecrets(password: unknown, url: unknown): string[] {
  const secrets: string[] = [];
  if (password !== null && password !== undefined && !String(password).includes("${env.")) {
    secrets.push(String(password));
  }
  if (typeof url === "string") {
    const match = /^rediss?:\/\/[^:@/]*:([^@/]+)@/.exec(url);
    if (match?.[1] !== undefined) {
      secrets.push(match[1]);
      try {
        secrets.push(decodeURIComponent(match[1]));
      } catch {
        // keep the raw form only
      }
    }
  }
  return secrets;
}
