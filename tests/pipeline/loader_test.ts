import { assertEquals, assertOk, assertRejects } from "./_assert.ts";
import { PipelineError, PipelineErrors } from "../../lib/pipeline/errors.ts";
import { loadPipeline, parsePipeline } from "../../lib/pipeline/loader.ts";
import { UsageError } from "../../lib/errors.ts";
import { defaultRegistry } from "../../lib/builtins.ts";

const registry = defaultRegistry();
const env = { REDFILL_FIXTURE_PASSWORD: "pa55word" };

/** The options of a built-in fill step that gives none, after validation. */
const FILL_DEFAULTS = {
  size: 256 * 1024 * 1024,
  "key-size": 512,
  "value-size": 512,
  seed: 1,
  prefix: "redfill:",
  serial: false,
  replies: false,
};

/** Parses pipeline text as fixtures/pipelines/test.yaml with the built-in steps. */
function parse(source: string, options: { env?: Record<string, string>; set?: string[] } = {}) {
  return parsePipeline(source, "fixtures/pipelines/test.yaml", { registry, env: {}, ...options });
}

/** The message of the error parsing a text throws. */
async function messageOf(
  source: string,
  options: { env?: Record<string, string>; set?: string[] } = {},
) {
  const error = await assertRejects(() => parse(source, options), UsageError, "");
  return error.message;
}

Deno.test("loadPipeline() reads every step form from YAML with ids, options and positions", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/all_forms.yaml", { registry, env });
  assertEquals(pipeline.name, "all-forms");
  assertEquals(pipeline.steps.map((step) => [step.id, step.name, step.line, step.column]), [
    ["connect", "connect", 10, 5],
    ["discover", "discover", 11, 5],
    ["flush", "flush", 12, 5],
    ["fill", "fill", 13, 5],
    ["second-fill", "fill", 14, 5],
    ["verify", "verify", 17, 5],
    ["doctor", "memory-doctor", 18, 5],
    ["report", "report", 20, 5],
  ]);
  assertEquals(pipeline.steps[3]?.options, {
    ...FILL_DEFAULTS,
    size: 1048576,
    "key-size": 64,
    "value-size": 192,
  });
  assertEquals(pipeline.steps[4]?.options, { ...FILL_DEFAULTS, size: 2097152 });
  assertEquals(pipeline.steps[6]?.options, { "warn-above": 0.8 });
  assertEquals(pipeline.steps[6]?.uses, "../steps/memory_doctor.ts");
});

Deno.test("loadPipeline() reads a JSON file with the same forms and positions", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/all_forms.json", { registry });
  assertEquals(pipeline.name, "all-forms-json");
  assertEquals(pipeline.steps.map((step) => step.id), [
    "connect",
    "discover",
    "fill",
    "second-fill",
    "memory-doctor",
    "report",
  ]);
  assertEquals(pipeline.steps[2]?.line, 9);
  assertEquals(pipeline.target.port, 7000);
  assertEquals(pipeline.target.mode, "standalone");
});

Deno.test("loadPipeline() turns a rediss:// url with user and password into a TLS target", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/all_forms.yaml", { registry, env });
  assertEquals(pipeline.target, {
    host: "redis.example",
    port: 7100,
    mode: "cluster",
    connectTimeoutMs: 2000,
    commandTimeoutMs: 10000,
    tls: { servername: "redis.local", insecure: true },
    username: "alice",
    password: "pa55word",
  });
});

Deno.test("parsePipeline() applies target defaults: 127.0.0.1, 6379, auto, 5 s and 10 s", async () => {
  const pipeline = await parse("version: 1\nsteps: [connect]\n");
  assertEquals(pipeline.target, {
    host: "127.0.0.1",
    port: 6379,
    mode: "auto",
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10000,
  });
  assertEquals(pipeline.name, "test");
});

Deno.test("parsePipeline() defaults the port to 6380 with tls: true", async () => {
  const pipeline = await parse("version: 1\ntarget: { tls: true }\nsteps: [connect]\n");
  assertEquals(pipeline.target.port, 6380);
  assertEquals(pipeline.target.tls, {});
});

Deno.test("parsePipeline() substitutes ${env.NAME} and reads a plain whole reference as YAML would", async () => {
  const pipeline = await parse(
    'version: 1\nname: "${env.NAME}-run"\ntarget:\n  port: ${env.PORT}\n  password: "${env.PORT}"\nsteps: [connect]\n',
    { env: { NAME: "nightly", PORT: "7005" } },
  );
  assertEquals(pipeline.name, "nightly-run");
  assertEquals(pipeline.target.port, 7005);
  assertEquals(pipeline.target.password, "7005");
});

Deno.test("parsePipeline() keeps $${env.NAME} as the literal text", async () => {
  const pipeline = await parse('version: 1\nname: "cost $${env.HOME}"\nsteps: [connect]\n');
  assertEquals(pipeline.name, "cost ${env.HOME}");
});

Deno.test("parsePipeline() names a missing environment variable with its position", async () => {
  const message = await messageOf("version: 1\nname: x-${env.NOPE}\nsteps: [connect]\n");
  assertEquals(
    message,
    'fixtures/pipelines/test.yaml:2:9: Environment variable "NOPE" is not set: set it, or write the value in place of "${env.NOPE}"\n' +
      "  2 | name: x-${env.NOPE}\n" +
      "    |         ^",
  );
});

Deno.test("parsePipeline() lays --set values over options, read as YAML scalars", async () => {
  const pipeline = await parse(
    "version: 1\nsteps:\n  - connect\n  - discover\n  - fill: { size: 1MB }\n  - report\n",
    {
      set: [
        "fill.size=2GiB",
        "fill.key-size=64",
        "report.format=[json, md]",
        "target.port=7001",
      ],
    },
  );
  assertEquals(pipeline.steps[2]?.options, {
    ...FILL_DEFAULTS,
    size: 2 * 1024 ** 3,
    "key-size": 64,
  });
  assertEquals(pipeline.steps[3]?.options, { format: ["json", "md"], summary: true });
  assertEquals(pipeline.target.port, 7001);
});

Deno.test("parsePipeline() lets --set address a step by its id and a uses: step's with", async () => {
  const pipeline = await parse(
    "version: 1\nsteps:\n  - connect\n  - uses: ../steps/memory_doctor.ts\n    id: doc\n",
    { set: ["doc.warn-above=0.3"] },
  );
  assertEquals(pipeline.steps[1]?.options, { "warn-above": 0.3 });
});

Deno.test("parsePipeline() lets --set target.host override the url's host", async () => {
  const pipeline = await parse(
    "version: 1\ntarget: { url: redis://a.example:7000 }\nsteps: [connect]\n",
    { set: ["target.host=b.example"] },
  );
  assertEquals([pipeline.target.host, pipeline.target.port], ["b.example", 7000]);
});

Deno.test("parsePipeline() reports a --set for an unknown step id with a did-you-mean", async () => {
  const message = await messageOf("version: 1\nsteps: [connect, discover, fill]\n", {
    set: ["fil.size=1MB"],
  });
  assertEquals(
    message,
    'fixtures/pipelines/test.yaml: --set "fil.size=1MB": the pipeline has no step with id "fil". Did you mean "fill"?',
  );
});

Deno.test("parsePipeline() reports a bad --set value as coming from --set", async () => {
  const message = await messageOf("version: 1\nsteps: [connect, discover, fill]\n", {
    set: ["fill.key-size=big"],
  });
  assertEquals(
    message,
    'fixtures/pipelines/test.yaml: --set "fill.key-size=big": step "fill": option "key-size": expected a number, found "big"',
  );
});

Deno.test("parsePipeline() reports a missing required option as missing", async () => {
  // No built-in option is required (each has a default); a plugin's may be.
  const message = await messageOf(
    "version: 1\nsteps:\n  - uses: ../steps/echo_range.ts\n    with: { range: { min: 5 } }\n",
  );
  assertEquals(
    message,
    'fixtures/pipelines/test.yaml:4:20: step "echo-range": option "range.max" is missing: expected a number\n' +
      "  4 |     with: { range: { min: 5 } }\n" +
      "    |                    ^",
  );
});

Deno.test("parsePipeline() rejects two step names in one item and with: outside uses:", async () => {
  const message = await messageOf("version: 1\nsteps:\n  - connect: {}\n    with: {}\n");
  assertOk(
    message.includes('found "connect" and "with" in one item: "with:" belongs to "uses:" steps'),
    message,
  );
});

Deno.test("parsePipeline() rejects an unknown top-level key with a did-you-mean", async () => {
  const message = await messageOf("version: 1\nstep: [connect]\nsteps: [connect]\n");
  assertOk(
    message.startsWith(
      'fixtures/pipelines/test.yaml:2:1: Unknown key "step". Did you mean "steps"?',
    ),
    message,
  );
});

Deno.test("parsePipeline() never shows a password from the url or the password key", async () => {
  const message = await messageOf(
    "version: 1\ntarget:\n  url: redis://u:hunter22@h:70000\n  password: hunter33\nsteps: [connect]\n",
  );
  assertOk(!message.includes("hunter22") && !message.includes("hunter33"), message);
  const second = await messageOf(
    "version: 1\ntarget: { host: h, port: x, password: hunter44 }\nsteps: [connect]\n",
  );
  assertOk(!second.includes("hunter44"), second);
  assertOk(second.includes("password: ***"), second);
});

Deno.test("parsePipeline() masks a secret where it is put into a message, and only there", async () => {
  // A --set of a secret key: the assignment is quoted with its value masked.
  const set = await messageOf("version: 1\nsteps: [connect]\n", {
    set: ["target.password=fill", "target.pasword=keys"],
  });
  assertOk(!set.includes("=fill") && !set.includes("=keys"), set);
  assertOk(set.includes('--set "target.pasword=***"'), set);
  // A URL typed after a flag: quoted with its password part masked.
  const flag = await assertRejects(
    () =>
      parsePipeline("version: 1\nsteps: [connect]\n", "t.yaml", {
        registry,
        env: {},
        set: [{
          path: "target.url",
          value: "redis://:keys@h:1/5",
          origin: { flag: "--url", text: "redis://:keys@h:1/5" },
        }],
      }),
    PipelineError,
    "",
  );
  assertOk(!flag.message.includes("keys@"), flag.message);
  // A value at a secret key is never quoted, even when it has the wrong type.
  const typed = await messageOf("version: 1\ntarget: { password: [fill] }\nsteps: [connect]\n");
  assertOk(typed.includes('target: "password": expected a string or a number, found ***'), typed);
  // Words that hold the password stay as they are: "fill" is not searched for.
  const words = await messageOf(
    'version: 1\nname: fill\ntarget: { password: fill }\nsteps:\n  - fill: { prefix: "a b" }\n',
  );
  assertOk(words.includes('step "fill": option "prefix"'), words);
  assertOk(words.includes("  - fill: { prefix: "), words);
});

Deno.test("parsePipeline() reports every problem of a file in one PipelineErrors, in file order", async () => {
  const error = await assertRejects(
    () =>
      parse("version: 1\ntarget: { prot: 1 }\nsteps:\n  - conect\n  - report: { format: [xml] }\n"),
    PipelineErrors,
    "",
  );
  const errors = (error as PipelineErrors).errors;
  assertEquals(errors.map((e) => [e.line, e.column, e.step, e.option]), [
    [2, 11, undefined, "prot"],
    [4, 5, "conect", undefined],
    [5, 24, "report", "format[0]"],
  ]);
  assertEquals(errors.every((e) => e instanceof PipelineError && e.exitCode === 2), true);
});

Deno.test("parsePipeline() checks that a uses: module exports a step", async () => {
  const message = await messageOf(
    "version: 1\nsteps:\n  - uses: ../../lib/units.ts\n",
  );
  assertOk(
    message.includes(
      'Module "../../lib/units.ts" exports no step: add "export default defineStep({ … })"',
    ),
    message,
  );
});

Deno.test("loadPipeline() reports a missing file and a wrong extension without a position", async () => {
  await assertRejects(
    () => loadPipeline("fixtures/pipelines/nope.yaml", { registry }),
    PipelineError,
    "fixtures/pipelines/nope.yaml: The pipeline file does not exist",
  );
  await assertRejects(
    () => loadPipeline("fixtures/pipelines/nope.toml", { registry }),
    PipelineError,
    "fixtures/pipelines/nope.toml: A pipeline file must end in .yaml, .yml or .json",
  );
});

Deno.test("parsePipeline() reports a missing TLS file given with --set as coming from --set", async () => {
  const message = await messageOf(
    "version: 1\ntarget: { tls: { ca: ./ca.crt } }\nsteps: [connect]\n",
    { set: ["target.tls.ca=/nonexistent/ca.crt"] },
  );
  assertEquals(
    message,
    'fixtures/pipelines/test.yaml: --set "target.tls.ca=/nonexistent/ca.crt": target: tls "ca" file "/nonexistent/ca.crt" does not exist: the path is relative to the directory the command ran in',
  );
});
