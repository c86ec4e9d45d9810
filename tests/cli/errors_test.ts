/**
 * The CLI's error funnel, end to end: a plugin's failure (exit 5, one line naming the step and
 * the module, the report still printed, the stack only with --debug), a bug of redfill (exit 70,
 * the stack and the request to report it), and the usage sentences every command shares.
 */

import assert from "node:assert/strict";
import { BUG_SENTENCE } from "../../lib/cli/errors.ts";
import { runDeno } from "../_cli.ts";

const PLUGIN_LINE = 'Step "careless" from "../steps/throws.ts" failed: The disk is full';

Deno.test("a uses: step that throws a plain Error exits 5 with one line, and the report still prints", async () => {
  const run = await runDeno([
    "run",
    "-A",
    "tasks/redfill.ts",
    "run",
    "fixtures/pipelines/plugin_throws.yaml",
  ]);
  assert.equal(run.code, 5, run.stderr);
  assert.equal(run.stderr.trim().split("\n").at(-1), PLUGIN_LINE);
  assert.doesNotMatch(run.stderr, /^\s+at /m, "a stack without --debug");
  assert.doesNotMatch(run.stderr, /bug in redfill/);
  const report = JSON.parse(run.stdout) as { ok: boolean; steps: { id: string; ok: boolean }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps.map((step) => [step.id, step.ok]), [["careless", false]]);

  const debug = await runDeno([
    "run",
    "-A",
    "tasks/redfill.ts",
    "run",
    "fixtures/pipelines/plugin_throws.yaml",
    "--debug",
  ]);
  assert.equal(debug.code, 5);
  assert.ok(debug.stderr.includes(PLUGIN_LINE), debug.stderr);
  // The plugin's own stack: where in its module it threw.
  assert.match(debug.stderr, /^Error: The disk is full\n\s+at .*fixtures\/steps\/throws\.ts/m);
});

Deno.test("a bug in a registered step exits 70 with its stack and the request to report it", async () => {
  const run = await runDeno([
    "run",
    "-A",
    "tests/cli/_bug_run.ts",
    "fixtures/pipelines/internal_error.yaml",
  ]);
  assert.equal(run.code, 70, run.stderr);
  const lines = run.stderr.trim().split("\n");
  assert.ok(
    lines.includes(
      `Internal error in step "buggy": TypeError: Cannot read properties of undefined (reading 'size')`,
    ),
    run.stderr,
  );
  assert.match(
    run.stderr,
    /^TypeError: Cannot read properties of undefined \(reading 'size'\)\n\s+at /m,
  );
  assert.equal(lines.at(-1), BUG_SENTENCE);
  // The report still ran.
  assert.equal((JSON.parse(run.stdout) as { ok: boolean }).ok, false);
});
