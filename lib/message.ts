/**
 * Sentences that name pipeline options. A lower layer — a transport, the keyspace, a step —
 * never writes a command-line flag into its messages: it mentions the option to change
 * (`target.tls.cert`, or `key-size` of the step that runs) as structured data, and whoever
 * shows the sentence names the option as its reader knows it:
 *
 * - a pipeline file's reader sees the option path: `set target.tls.cert`, `remove target.tls`,
 *   `set target.mode: cluster`;
 * - `deno task fill`'s reader sees the flag that sets it, through the one flag table
 *   (`flagOf` in `lib/cli/fill_flags.ts`, which the CLI hands the loader as `optionName`):
 *   `pass --cert`, `drop --tls`, `pass --cluster`.
 *
 * The executor names the options of a step's error (and of `ctx.text`) with the pipeline's
 * `optionName` and binds step options to the step's id; an option the namer does not know
 * is shown by its path.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { give, option, sentence } from "./message.ts";
 * const text = sentence`"h:1" requires a client certificate: ${give("target.tls.cert")} and ${
 *   option("target.tls.key")
 * }`;
 * equal(text.render(), '"h:1" requires a client certificate: set target.tls.cert and target.tls.key');
 * const flags: Record<string, string> = { "target.tls.cert": "--cert", "target.tls.key": "--key" };
 * equal(
 *   text.render({ name: (path) => flags[path] }),
 *   '"h:1" requires a client certificate: pass --cert and --key',
 * );
 * ```
 *
 * @module
 */

/** A value a mention may carry for a pipeline file's reader (`set target.mode: cluster`). */
export type MentionValue = string | number | boolean;

/** One option named in a sentence. */
export interface OptionMention {
  /** The option path: `target.tls.cert`, or the option's name inside the step when `inStep`. */
  readonly path: string;
  /** The option belongs to the step that raised the sentence (the executor adds its id). */
  readonly inStep: boolean;
  /**
   * How it is mentioned: by its name (`target.tls.key`, `--key`), as something to give
   * (`set target.tls.cert`, `pass --cert`) or to take away (`remove target.tls`, `drop --tls`).
   */
  readonly as: "name" | "give" | "drop";
  /** What to set it to, for a pipeline file's reader; a flag implies its own value. */
  readonly value?: MentionValue | undefined;
}

/** A piece of a sentence: text, or an option mention. */
export type MessagePart = string | OptionMention;

/**
 * Names an option path as a reader knows it (`target.tls.cert` → `--cert`), or undefined
 * when the reader has no other name for it (then the path is shown).
 */
export type OptionNamer = (path: string, value?: MentionValue) => string | undefined;

/** Options for {@linkcode Message.render}. */
export interface RenderMessageOptions {
  /** How the reader names options (default: by their paths, as a pipeline file does). */
  name?: OptionNamer | undefined;
  /** The id of the step that raised the sentence: step options become `ID.option`. */
  step?: string | undefined;
}

/** A sentence whose option mentions are named when it is shown. */
export class Message {
  /** The text and the mentions, in order. */
  readonly parts: readonly MessagePart[];

  /**
   * Makes a sentence from its parts.
   *
   * @param parts Text and option mentions.
   */
  constructor(parts: readonly MessagePart[]) {
    this.parts = parts;
  }

  /**
   * The sentence with each option named for its reader.
   *
   * @param options How the reader names options, and the step that raised it.
   * @returns The text.
   */
  render(options: RenderMessageOptions = {}): string {
    return this.parts.map((part) => typeof part === "string" ? part : mention(part, options))
      .join("");
  }

  /** The sentence as a pipeline file's reader reads it. */
  toString(): string {
    return this.render();
  }
}

/** One mention as text. */
function mention(part: OptionMention, options: RenderMessageOptions): string {
  const path = part.inStep && options.step !== undefined
    ? `${options.step}.${part.path}`
    : part.path;
  const name = options.name?.(path, part.value);
  if (name !== undefined) {
    return part.as === "give" ? `pass ${name}` : part.as === "drop" ? `drop ${name}` : name;
  }
  const value = part.value === undefined ? "" : `: ${String(part.value)}`;
  if (part.as === "give") return `set ${path}${value}`;
  if (part.as === "drop") return value === "" ? `remove ${path}` : `set ${path}${value}`;
  return path;
}

/**
 * Builds a {@linkcode Message} from a template: interpolated mentions stay mentions, an
 * interpolated message is spliced in, anything else becomes text.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { option, sentence } from "./message.ts";
 * equal(sentence`use ${option("fill.key-size")} ${18} or more`.render(), "use fill.key-size 18 or more");
 * ```
 *
 * @param strings The literal text.
 * @param values Mentions, messages, or values shown as text.
 * @returns The sentence.
 */
export function sentence(strings: TemplateStringsArray, ...values: unknown[]): Message {
  const parts: MessagePart[] = [];
  const push = (text: string) => {
    if (text === "") return;
    const last = parts[parts.length - 1];
    if (typeof last === "string") parts[parts.length - 1] = last + text;
    else parts.push(text);
  };
  strings.forEach((text, index) => {
    push(text);
    if (index >= values.length) return;
    const value = values[index];
    if (value instanceof Message) {
      for (const part of value.parts) {
        if (typeof part === "string") push(part);
        else parts.push(part);
      }
    } else if (isMention(value)) parts.push(value);
    else push(String(value));
  });
  return new Message(parts);
}

/** Whether a value is an {@linkcode OptionMention}. */
function isMention(value: unknown): value is OptionMention {
  return typeof value === "object" && value !== null && "path" in value && "as" in value &&
    "inStep" in value;
}

/**
 * Mentions an option by its full path (`target.tls.cert`).
 *
 * @param path The option path.
 * @returns The mention.
 */
export function option(path: string): OptionMention {
  return { path, inStep: false, as: "name" };
}

/**
 * Mentions an option of the step that raises the sentence (`key-size` of the fill step).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { sentence, stepOption } from "./message.ts";
 * equal(sentence`check ${stepOption("seed")}`.render({ step: "load" }), "check load.seed");
 * ```
 *
 * @param name The option's name inside the step.
 * @returns The mention.
 */
export function stepOption(name: string): OptionMention {
  return { path: name, inStep: true, as: "name" };
}

/**
 * Mentions an option as something to give: `set target.password`, `pass --password`.
 *
 * @param target The option (a path, or a mention from {@linkcode stepOption}).
 * @param value What to set it to, for a pipeline file's reader.
 * @returns The mention.
 */
export function give(target: string | OptionMention, value?: MentionValue): OptionMention {
  const base = typeof target === "string" ? option(target) : target;
  return value === undefined ? { ...base, as: "give" } : { ...base, as: "give", value };
}

/**
 * Mentions an option as something to take away: `remove target.tls` (or `set target.mode:
 * standalone` with a value), `drop --tls`, `drop --cluster`.
 *
 * @param target The option (a path, or a mention from {@linkcode stepOption}).
 * @param value What a pipeline file should set it to instead, if anything.
 * @returns The mention.
 */
export function drop(target: string | OptionMention, value?: MentionValue): OptionMention {
  const base = typeof target === "string" ? option(target) : target;
  return value === undefined ? { ...base, as: "drop" } : { ...base, as: "drop", value };
}
