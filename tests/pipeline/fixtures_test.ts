import { assertEquals, assertOk } from "./_assert.ts";
import { PipelineError, PipelineErrors } from "../../lib/pipeline/errors.ts";
import { loadPipeline } from "../../lib/pipeline/loader.ts";
import { defaultRegistry } from "../../lib/builtins.ts";

const BROKEN = "fixtures/pipelines/broken";
const scenarios = [...Deno.readDirSync(BROKEN)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => name.replace(/\.yaml$/, ""))
  .sort();

Deno.test("fixtures/pipelines/broken/ holds every scenario the issue asks for", () => {
  for (
    const scenario of [
      "no_version",
      "bad_version",
      "unknown_step",
      "unknown_option",
      "wrong_type",
      "missing_env",
      "needs_not_provided",
      "duplicate_id",
      "bad_uses",
      "bad_url",
      "several_problems",
      "yaml_syntax",
    ]
  ) {
    assertOk(scenarios.includes(scenario), `missing fixture ${scenario}`);
  }
});

for (const scenario of scenarios) {
  Deno.test(`loadPipeline() gives exactly the expected message for broken/${scenario}.yaml`, async () => {
    const expected = await Deno.readTextFile(`${BROKEN}/${scenario}.expected.txt`);
    let caught: unknown;
    try {
      // The real built-in steps: these files show what a user sees.
      await loadPipeline(`${BROKEN}/${scenario}.yaml`, {
        registry: defaultRegistry(),
        env: {},
      });
    } catch (error) {
      caught = error;
    }
    assertOk(caught instanceof PipelineError || caught instanceof PipelineErrors, String(caught));
    assertEquals(`${caught.message}\n`, expected);
    assertEquals(caught.exitCode, 2);
  });
}

/** Runs `deno task run` as a user would (the built-in steps), in a subprocess. */
async function runCli(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/redfill.ts", "run", ...args],
    env: { NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

for (
  const scenario of [
    "no_version",
    "unknown_option",
    "missing_env",
    "several_problems",
    "yaml_syntax",
  ]
) {
  Deno.test(`deno task run exits 2 with the expected message and no stack for broken/${scenario}.yaml`, async () => {
    const expected = await Deno.readTextFile(`${BROKEN}/${scenario}.expected.txt`);
    const result = await runCli([`${BROKEN}/${scenario}.yaml`]);
    assertEquals(result.stderr, expected);
    assertEquals(result.stdout, "");
    assertEquals(result.code, 2);
    assertOk(!result.stderr.includes("    at "), result.stderr);
  });
}

Deno.test("deno task run --debug adds the stack trace to a user error", async () => {
  const result = await runCli([`${BROKEN}/no_version.yaml`, "--debug"]);
  assertEquals(result.code, 2);
  assertOk(result.stderr.includes("    at "), result.stderr);
});

Deno.test("deno task run --dry-run prints the plan with the password masked", async () => {
  const result = await runCli([
    "fixtures/pipelines/all_forms.json",
    "--dry-run",
    "--set",
    "target.password=sekrit-pw",
    "--set",
    "fill.size=2MiB",
  ]);
  assertEquals(result.code, 0, result.stderr);
  assertOk(!result.stdout.includes("sekrit-pw"), result.stdout);
  assertOk(result.stdout.includes("password ***"), result.stdout);
  assertOk(
    result.stdout.includes(
      'options: {"size":2097152,"key-size":64,"value-size":512,"seed":1,"prefix":"redfill:","serial":false,"replies":false}',
    ),
    result.stdout,
  );
  assertOk(result.stdout.includes("  4. second-fill (fill)"), result.stdout);
});

Deno.test("deno task run runs a pipeline through a custom transport and exits 0", async () => {
  const result = await runCli(["fixtures/pipelines/custom_transport.yaml"]);
  assertEquals(result.code, 0, result.stderr);
  assertOk(result.stderr.includes("probe: done in"), result.stderr);
});

Deno.test("redfill run suggests the nearest flag for a misspelt one and exits 2", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/redfill.ts", "run", "x.yaml", "--dyr-run"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(
    new TextDecoder().decode(output.stderr),
    'Unknown option "--dyr-run". Did you mean "--dry-run"?\n',
  );
  assertEquals(output.code, 2);
});
