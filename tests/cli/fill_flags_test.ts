import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { FILL_FLAGS, flagOf, longFlag } from "../../lib/cli/fill_flags.ts";
import { demoOverrides, type FillRequest, readFillArgs } from "../../lib/cli/fill_args.ts";
import { loadPipeline, parsePipeline } from "../../lib/builtins.ts";
import { targetFileSchema } from "../../lib/pipeline/target.ts";
import type { Override, Pipeline } from "../../lib/pipeline/types.ts";
import { UsageError } from "../../lib/errors.ts";

const FILL_PIPELINE = fileURLToPath(new URL("../../pipelines/fill.yaml", import.meta.url));

/** The schema under a key of a zod schema, through optional/default wrappers and unions. */
function schemaUnder(schema: unknown, keys: readonly string[]): unknown {
  let current = schema;
  for (const key of keys) {
    current = unwrap(current);
    const def = (current as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === "object") {
      current = (def.shape as Record<string, unknown>)[key];
    } else if (def.type === "union") {
      current = (def.options as unknown[]).map(unwrap)
        .map((option) => schemaUnder(option, [key]))
        .find((found) => found !== undefined);
    } else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** A schema without its optional/default/pipe wrappers. */
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return current;
    if (["optional", "default", "nullable", "prefault"].includes(String(def.type))) {
      current = def.innerType;
    } else if (def.type === "pipe") current = def.in;
    else return current;
  }
}

/** Whether an option path of pipelines/fill.yaml exists in the real step or target schemas. */
function optionExists(pipeline: Pipeline, path: string): boolean {
  const [head = "", ...rest] = path.split(".");
  if (rest.length === 0) return false;
  if (head === "target") return schemaUnder(targetFileSchema, rest) !== undefined;
  const step = pipeline.steps.find((candidate) => candidate.id === head);
  return step !== undefined && schemaUnder(step.definition.options, rest) !== undefined;
}

/** Loads pipelines/fill.yaml the way redfill fill (tasks/fill.ts) does. */
function loadFill(request: FillRequest, options: { cwd?: string } = {}): Promise<Pipeline> {
  const extra: Override[] = request.local ? demoOverrides(request) : [];
  return loadPipeline(FILL_PIPELINE, {
    set: [...request.overrides, ...extra],
    env: {},
    optionName: flagOf,
    ...options,
  });
}

/** The message loading pipelines/fill.yaml with these flags fails with. */
async function failureOf(args: string[]): Promise<string> {
  const request = readFillArgs(args, () => undefined)!;
  const error = await loadFill(request).then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof UsageError, `${args.join(" ")} was accepted`);
  return error.message;
}

Deno.test("FILL_FLAGS maps every flag to an option of the real built-in steps or the target", async () => {
  const pipeline = await loadPipeline(FILL_PIPELINE, { env: {} });
  // The check itself can fail: a path that points nowhere is found out.
  assert.equal(optionExists(pipeline, "fill.no-such-option"), false);
  assert.equal(optionExists(pipeline, "target.tls.no-such-key"), false);
  assert.equal(optionExists(pipeline, "nowhere.size"), false);
  const own = ["--askpass", "--dry-run", "--debug"];
  for (const flag of FILL_FLAGS) {
    const paths = Object.keys(flag.sets ?? {});
    if (own.includes(longFlag(flag))) {
      assert.deepEqual(paths, [], `${longFlag(flag)} is the CLI's own`);
      continue;
    }
    assert.ok(paths.length > 0, `${longFlag(flag)} sets no option`);
    for (const path of paths) {
      // `thresholds` is the pipeline's own block, not a step's option: its test is below.
      if (path === "thresholds") continue;
      assert.ok(optionExists(pipeline, path), `${longFlag(flag)} points nowhere: ${path}`);
      // An option several switches set (target.mode: --cluster, --proxy) is named by value.
      const shared = FILL_FLAGS.filter((other) => other.sets?.[path] !== undefined).length > 1;
      const value = shared ? flag.sets![path]!(true) as string : undefined;
      assert.equal(flagOf(path, value), longFlag(flag), `${path} is named by ${longFlag(flag)}`);
    }
  }
});

Deno.test("readFillArgs() makes one threshold override per --threshold, in order", () => {
  const request = readFillArgs([
    "-h",
    "10.0.0.5",
    "--threshold",
    "fill.throughput>100MiB/s",
    "--threshold",
    "verify.missing==0",
  ])!;
  assert.deepEqual(
    request.overrides.filter((entry) => entry.path === "thresholds").map((entry) => [
      entry.value,
      entry.origin,
    ]),
    [
      ["fill.throughput>100MiB/s", {
        flag: "--threshold",
        text: "fill.throughput>100MiB/s",
        expected: undefined,
      }],
      ["verify.missing==0", {
        flag: "--threshold",
        text: "verify.missing==0",
        expected: undefined,
      }],
    ],
  );
});

Deno.test("readFillArgs() turns flags into overrides whose origin is the flag", () => {
  const request = readFillArgs(
    ["-h", "10.0.0.5", "-p", "7000", "-d", "2", "-f", "prefix", "--no-verify", "-a", "pw"],
    () => "from-env",
  )!;
  assert.equal(request.local, false);
  assert.deepEqual(
    request.overrides.map(({ path, value, origin }) => [path, value, origin]),
    [
      ["target.host", "10.0.0.5", { flag: "--host", text: "10.0.0.5", expected: undefined }],
      ["target.port", 7000, { flag: "--port", text: "7000", expected: "1 … 65535" }],
      ["target.password", "pw", { flag: "--password", text: undefined, expected: undefined }],
      ["fill.size", "2GiB", {
        flag: "--data",
        text: "2",
        expected: FILL_FLAGS.find((flag) => longFlag(flag) === "--data")!.expected,
      }],
      ["flush.enabled", true, { flag: "--flush", text: "prefix", expected: undefined }],
      ["flush.scope", "prefix", { flag: "--flush", text: "prefix", expected: undefined }],
      ["verify.enabled", false, { flag: "--no-verify", text: undefined, expected: undefined }],
    ],
  );
});

Deno.test("readFillArgs() uses REDISCLI_AUTH only when no password is given, and never for the demo", () => {
  const env = (name: string) => (name === "REDISCLI_AUTH" ? "env-pw" : undefined);
  const password = (args: string[]) =>
    readFillArgs(args, env)!.overrides.find((override) => override.path === "target.password");
  assert.equal(password(["-p", "7000"])?.value, "env-pw");
  assert.deepEqual(password(["-p", "7000"])?.origin, { flag: "REDISCLI_AUTH" });
  assert.equal(password(["-p", "7000", "-a", "flag-pw"])?.value, "flag-pw");
  assert.equal(password(["--url", "redis://:url-pw@127.0.0.1:7000"]), undefined);
  assert.equal(password(["--url", "redis://127.0.0.1:7000"])?.value, "env-pw");
  assert.equal(password([]), undefined, "the demo's local server sets its own");
});

Deno.test("readFillArgs() starts the demo only when no flag names a server", () => {
  assert.equal(readFillArgs(["-c", "-t", "-d", "1MB"], () => undefined)!.local, true);
  assert.equal(readFillArgs(["--connect-timeout", "100"], () => undefined)!.local, true);
  for (const args of [["-p", "7000"], ["-a", "x"], ["-t", "--insecure"], ["--url", "redis://h"]]) {
    assert.equal(readFillArgs(args, () => undefined)!.local, false, args.join(" "));
  }
  assert.throws(
    () => readFillArgs(["-p", "7000", "--sni", "x"], () => undefined),
    new UsageError("TLS options (--cacert, --cert, --key, --sni, --insecure) need --tls"),
  );
  assert.ok(readFillArgs(["--url", "rediss://h", "--sni", "x"], () => undefined));
});

Deno.test("a bad flag value is named by its flag, with what it takes, never by the option path", async () => {
  const cases: Array<[string[], string]> = [
    [
      ["-p", "7000", "--ttl", "120-60"],
      'Invalid --ttl "120-60": expected seconds ≥ 1, and a range whose end is not below its start',
    ],
    [["-p", "7000", "-n", "300"], 'Invalid --connections "300": expected a whole number ≤ 256'],
    [["-p", "0"], 'Invalid --port "0": expected 1 … 65535'],
    [["-h", "h", "--seed", "-1"], 'Invalid --seed "-1": expected a whole number ≥ 0'],
    [["-h", "h", "--rate", "fast"], 'Invalid --rate "fast": expected MB/s above 0'],
    [
      ["-h", "h", "--prefix", "a b"],
      'Invalid --prefix "a b": expected printable ASCII without spaces, { or }',
    ],
    [
      ["-h", "h", "--key-size", "10", "--prefix", "p:"],
      'Key size 10 is too small to hold the prefix "p:", a slot tag and 6-digit indices: use --key-size 13 or more, or a shorter --prefix',
    ],
    [
      ["-h", "192.0.2.1", "-f", "prefix"],
      'Refusing to flush "192.0.2.1": it is not a loopback address; pass --yes to confirm',
    ],
    [
      ["-p", "7000", "-t", "--cacert", "/nonexistent/ca.crt"],
      'Cannot read the CA certificate (--cacert) file "/nonexistent/ca.crt": no such file',
    ],
  ];
  for (const [args, message] of cases) assert.equal(await failureOf(args), message);
  // Several at once: every one, each named by its flag.
  assert.equal(
    await failureOf(["-p", "0", "-n", "0"]),
    'Invalid --port "0": expected 1 … 65535\n\nInvalid --connections "0": expected a whole number ≥ 1',
  );
});

Deno.test("a bad --set value still names its assignment and the file", async () => {
  const error = await loadPipeline(FILL_PIPELINE, { env: {}, set: ["fill.ttl=120-60"] }).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  assert.equal(
    error?.message,
    `${FILL_PIPELINE}: --set "fill.ttl=120-60": step "fill": option "ttl": expected seconds ≥ 1, and a range whose end is not below its start, found "120-60"`,
  );
});

Deno.test("--yes lets the flush step's load-time check pass a host that is not loopback", async () => {
  const pipeline = await loadFill(
    readFillArgs(["-h", "192.0.2.1", "-f", "--yes"], () => undefined)!,
  );
  assert.deepEqual(pipeline.steps.find((step) => step.id === "flush")?.options, {
    enabled: true,
    scope: "all",
    prefix: "redfill:",
    yes: true,
  });
});

Deno.test("the flush step's check names the option and its position in a pipeline file", async () => {
  const source = [
    "version: 1",
    "target: { host: 192.0.2.1 }",
    "steps:",
    "  - connect",
    "  - flush: { enabled: true }",
  ].join("\n");
  const error = await parsePipeline(source, "fixtures/pipelines/test.yaml", { env: {} }).then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  assert.equal(
    error?.message,
    'fixtures/pipelines/test.yaml:5:23: step "flush": refuses to flush "192.0.2.1", which is not a loopback address: add "yes: true" to confirm\n' +
      "  5 |   - flush: { enabled: true }\n" +
      "    |                       ^",
  );
  const allowed = await parsePipeline(
    source.replace("enabled: true", "enabled: true, yes: true"),
    "fixtures/pipelines/test.yaml",
    { env: {} },
  );
  assert.equal(allowed.steps.length, 2);
});

Deno.test("--no-verify is a verify step with enabled: false in the plan the loader returns", async () => {
  const pipeline = await loadFill(readFillArgs(["-p", "7000", "--no-verify"], () => undefined)!);
  const verify = pipeline.steps.find((step) => step.id === "verify");
  assert.deepEqual(verify?.options, {
    enabled: false,
    tolerance: 0.2,
    sample: 1000,
    count: "exact",
    content: "sample",
    "stable-timeout": 30000,
  });
  assert.equal(pipeline.target.host, "127.0.0.1", "-p without -h means 127.0.0.1");
  assert.equal(pipeline.target.port, 7000);
});

Deno.test("--verify full reads every key back; --verify with another word names the choices", async () => {
  const full = await loadFill(readFillArgs(["-p", "7000", "--verify", "full"], () => undefined)!);
  const verify = full.steps.find((step) => step.id === "verify")?.options as
    | Record<string, unknown>
    | undefined;
  assert.deepEqual([verify?.content, verify?.enabled], ["full", undefined]);
  const both = readFillArgs(["-p", "7000", "--verify", "full", "--no-verify"], () => undefined)!;
  assert.deepEqual(
    both.overrides.filter((override) => override.path.startsWith("verify.")).map((override) =>
      override.path
    ),
    ["verify.enabled"],
    "the last of the two wins, as commander reads them",
  );
  assert.throws(
    () => readFillArgs(["-p", "7000", "--verify", "all"], () => undefined),
    (error: unknown) =>
      error instanceof UsageError && /--verify/.test(error.message) &&
      /sample, full/.test(error.message),
  );
});

Deno.test("paths typed by the user resolve against cwd; paths in a file against the file", async () => {
  const request = readFillArgs(
    ["-p", "7000", "-t", "--cacert", "ca.crt", "--out", "reports/r.json"],
    () => undefined,
  )!;
  const dir = await Deno.makeTempDir({ prefix: "redfill-cwd-" });
  try {
    await Deno.writeTextFile(join(dir, "ca.crt"), "not checked here");
    const pipeline = await loadFill(request, { cwd: dir });
    assert.equal(pipeline.target.tls?.ca, join(dir, "ca.crt"));
    const report = pipeline.steps.find((step) => step.id === "report");
    assert.deepEqual(report?.options, {
      format: "table",
      out: join(dir, "reports/r.json"),
      summary: true,
    });

    const viaSet = await loadPipeline(FILL_PIPELINE, {
      env: {},
      cwd: dir,
      set: ["report.out=r.md", "target.tls.ca=ca.crt"],
    });
    assert.deepEqual(viaSet.steps.at(-1)?.options, {
      format: "table",
      out: join(dir, "r.md"),
      summary: true,
    });
    assert.equal(viaSet.target.tls?.ca, join(dir, "ca.crt"));

    const inFile = await parsePipeline(
      "version: 1\ntarget: { tls: { ca: ca.crt } }\nsteps: [{ report: { out: r.json } }]\n",
      join(dir, "p.yaml"),
      { env: {}, cwd: "/" },
    );
    assert.equal(inFile.target.tls?.ca, join(dir, "ca.crt"));
    assert.deepEqual(inFile.steps[0]?.options, {
      format: "table",
      out: join(dir, "r.json"),
      summary: true,
    });
    const toStdout = await loadFill(readFillArgs(["--out", "-"], () => undefined)!, { cwd: dir });
    assert.equal((toStdout.steps.at(-1)?.options as { out?: string }).out, "-");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
