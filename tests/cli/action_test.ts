import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { runDeno } from "../_cli.ts";

interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] };
}

/** Reads `name=value` lines of a `$GITHUB_OUTPUT` file. */
function outputs(text: string): Record<string, string> {
  return Object.fromEntries(
    text.trim().split("\n").map((
      line,
    ) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

Deno.test("action.yml is a composite action with the inputs and outputs the README names", async () => {
  const action = parse(await Deno.readTextFile("action.yml")) as Action;
  assert.equal(action.runs.using, "composite");
  assert.deepEqual(Object.keys(action.inputs), ["pipeline", "set", "deno-version"]);
  assert.equal(action.inputs.pipeline?.required, true);
  assert.deepEqual(Object.keys(action.outputs), ["ok", "status", "report"]);
  const step = action.runs.steps.find((entry) => entry.id === "redfill")!;
  assert.match(step.run ?? "", /"\$ACTION_PATH\/tasks\/action\.ts"/);
  assert.equal(step.env?.INPUT_PIPELINE, "${{ inputs.pipeline }}");
  assert.equal(step.env?.INPUT_SET, "${{ inputs.set }}");
});

Deno.test("examples/github-actions.yml uses the action with the example pipeline", async () => {
  const workflow = parse(await Deno.readTextFile("examples/github-actions.yml")) as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
  };
  const step = workflow.jobs.fill!.steps.find((entry) => entry.uses === "./")!;
  assert.equal(step.with?.pipeline, "examples/ci-fill.yaml");
  await Deno.stat(step.with!.pipeline!);
});

/** Runs the action's script as its composite step does, with GitHub's files in a temp folder. */
async function runAction(port: number, set: string) {
  const dir = await Deno.makeTempDir();
  const files = {
    GITHUB_OUTPUT: join(dir, "output"),
    GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
    RUNNER_TEMP: dir,
  };
  await Deno.writeTextFile(files.GITHUB_OUTPUT, "");
  await Deno.writeTextFile(files.GITHUB_STEP_SUMMARY, "");
  const run = await runDeno(
    ["run", "--allow-all", "--config", "deno.json", "tasks/action.ts"],
    {
      env: {
        ...files,
        INPUT_PIPELINE: "examples/ci-fill.yaml",
        INPUT_SET: set,
        REDIS_URL: `redis://127.0.0.1:${port}`,
      },
    },
  );
  return {
    run,
    dir,
    outputs: outputs(await Deno.readTextFile(files.GITHUB_OUTPUT)),
    summary: await Deno.readTextFile(files.GITHUB_STEP_SUMMARY),
  };
}

Deno.test("the action's script runs the pipeline and writes $GITHUB_OUTPUT and the step summary", async () => {
  await using local = await startLocalRedis();
  const port = local.nodes[0]!.port;
  const passed = await runAction(port, "# a comment line\nfill.size=8MiB\n\n");
  assert.equal(passed.run.code, 0, passed.run.stderr);
  assert.equal(passed.outputs.ok, "true");
  assert.equal(passed.outputs.status, "passed");
  assert.equal(passed.outputs["exit-code"], "0");
  assert.equal(passed.outputs.report, join(passed.dir, "redfill-report.json"));
  const report = JSON.parse(await Deno.readTextFile(passed.outputs.report!));
  assert.equal(report.status, "passed");
  assert.deepEqual(report.thresholds.map((entry: { metric: string }) => entry.metric), [
    "fill.throughput",
    "fill.peak-rss",
    "step.fill.duration",
    "verify.missing",
  ], "in the order their steps ended");
  assert.match(passed.summary, /^## redfill: ci-fill — ✅ pass/m);
  assert.match(
    passed.summary,
    /^\| fill\.throughput \| > 5 MiB\/s \| [\d.]+ MiB\/s \| ✓ pass \|$/m,
  );
  assert.match(passed.summary, /^\| \*\*Limit\*\* \| (server|client|latency)-bound \(/m);

  // Capped below the threshold: the job fails (exit 1) after the report, and says so.
  const failed = await runAction(port, "fill.size=3MiB\nfill.rate=1");
  assert.equal(failed.run.code, 1, failed.run.stderr);
  assert.equal(failed.outputs.ok, "false");
  assert.equal(failed.outputs.status, "failed");
  assert.equal(failed.outputs["exit-code"], "1");
  assert.match(
    failed.summary,
    /^\| fill\.throughput \| > 5 MiB\/s \| 1(\.\d)? MiB\/s \| ✗ fail \|$/m,
  );
  assert.match(failed.run.stderr, /A threshold failed: fill\.throughput > 5 MiB\/s/);
  await Deno.remove(passed.dir, { recursive: true });
  await Deno.remove(failed.dir, { recursive: true });
});
