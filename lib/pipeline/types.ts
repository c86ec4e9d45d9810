/**
 * The types of a loaded pipeline and of a run, shared by the loader, the plan check, the
 * executor and the CLI.
 *
 * @module
 */

import type { RedfillError } from "../errors.ts";
import type { ExitCodeValue } from "../errors.ts";
import type { OptionNamer } from "../message.ts";
import type { Threshold, ThresholdResult } from "../thresholds.ts";
import type { StepDefinition, Target } from "../types.ts";
import type { Registry } from "./registry.ts";

/** One step of a loaded pipeline, with validated options and its place in the file. */
export interface PlannedStep {
  /** Unique id: the `id:` given, else the step name. */
  id: string;
  /** The step name (the definition's name). */
  name: string;
  /** The definition that runs it. */
  definition: StepDefinition;
  /** Options after validation (the schema's output type). */
  options: unknown;
  /** 1-based line of the step in the file. */
  line: number;
  /** 1-based column of the step in the file. */
  column: number;
  /** The `uses:` path as written, for a step from a local module. */
  uses?: string | undefined;
}

/** A pipeline file loaded, validated and plan-checked. */
export interface Pipeline {
  /** The file as the user named it. */
  file: string;
  /** The pipeline's `name` (the file's base name when not given). */
  name: string;
  /** The pipeline's `description`, if any. */
  description?: string | undefined;
  /** Where and how to connect, with defaults applied. */
  target: Target;
  /** The steps, in order. */
  steps: PlannedStep[];
  /** The thresholds to check, from the file's `thresholds:` and the overrides (none: absent). */
  thresholds?: readonly Threshold[] | undefined;
  /** The registry the steps came from, plus transports the pipeline's modules export. */
  registry: Registry;
  /**
   * How the caller names options in messages (the loader's `optionName`: `deno task fill`'s
   * flag table). The executor names the options a step's error mentions with it; without it,
   * messages name options by their paths, as the file does.
   */
  optionName?: OptionNamer | undefined;
}

/** What one step did. */
export interface StepResult {
  /** Step id. */
  id: string;
  /** Step name. */
  name: string;
  /** Whether it finished without error. */
  ok: boolean;
  /** Wall time in milliseconds. */
  durationMs: number;
  /** Its output, when it finished. */
  output?: unknown;
  /** The one-line message of the error that stopped it. */
  error?: string | undefined;
}

/** What a run did. */
export interface RunResult {
  /** Whether every step finished. */
  ok: boolean;
  /** The process exit code: 0, or the exit code of the error that stopped the run. */
  exitCode: ExitCodeValue;
  /** The steps that ran (the first failed one stopped the run; `always` steps may follow it). */
  steps: StepResult[];
  /** Every finished step's output, by step id. */
  outputs: Map<string, unknown>;
  /** Every threshold checked, in the order their steps ended (empty without thresholds). */
  thresholds?: ThresholdResult[] | undefined;
  /** The user error that stopped the run, if any. */
  error?: RedfillError | undefined;
}

/**
 * Where an override came from, which is how a problem in it is named: a `--set` assignment
 * (`file: --set "fill.ttl=120-60": …`, as typed) or a flag of a command that translates its
 * flags into overrides (`Invalid --ttl "120-60": …`, with no file: the user never saw it).
 */
export type OverrideOrigin =
  | {
    /** The `--set` assignment as typed, e.g. `fill.size=2GiB`. */
    readonly set: string;
  }
  | {
    /** The flag as the user knows it (`--ttl`), or the variable (`REDISCLI_AUTH`). */
    readonly flag: string;
    /** The text typed after the flag, quoted in messages; absent for switches and secrets. */
    readonly text?: string | undefined;
    /** What the flag takes, in place of the schema's words (e.g. `expected 1 … 65535`). */
    readonly expected?: string | undefined;
  };

/** One value laid over a pipeline file: `fill.size`, `target.tls.ca`, …, and where it came from. */
export interface Override {
  /** `step-id.option[.key]…` or `target.key[.key]…`. */
  readonly path: string;
  /** The value, as a file would hold it (`"2GiB"`, `7000`, `true`, `{}`). */
  readonly value: unknown;
  /** Who gave it, for messages; paths in it are relative to the loader's `cwd`. */
  readonly origin: OverrideOrigin;
}
