/**
 * Shape plugins: the fixture session shape (a hash with realistic field names) recomputes the
 * same contents for key i, streams through the batch writer, is verified by recomputation in a
 * mix with built-in shapes; a plugin that throws ends the run with exit 5 and one sentence.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { builtinShapes } from "../../lib/shapes/builtin.ts";
import { compareContents } from "../../lib/shapes/contents.ts";
import { poolSource } from "../../lib/shapes/define.ts";
import { loadShapeModule } from "../../lib/shapes/load.ts";
import { ShapeMix } from "../../lib/shapes/mix.ts";
import { ReplyParser, type RespValue } from "../../lib/resp/parser.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, runDeno } from "../_cli.ts";
import { testKeys } from "./_keys.ts";

const SESSION = fileURLToPath(new URL("../../fixtures/shapes/session.ts", import.meta.url));

Deno.test("the fixture session shape draws the same hash for key i every time, and writes it", async () => {
  const shape = await loadShapeModule(SESSION);
  assert.equal(shape.name, "session");
  assert.equal(shape.type, "hash");
  const env = { seed: 3, keys: testKeys, compressibility: 0, ttl: () => 0, pool: poolSource(3) };
  const generator = shape.create({ "cart-items": "0-3", "token-size": 16 }, env);
  const contents = generator.contents(7);
  assert.deepEqual(generator.contents(7), contents);
  assert.notDeepEqual(generator.contents(8), contents);
  if (contents.type !== "hash") throw new Error("not a hash");
  assert.deepEqual(
    contents.fields.slice(0, 6).map(([name]) => name),
    ["user_id", "created_at", "last_seen", "ip", "user_agent", "token"],
  );
  const bytes = generator.layout(7);
  const out = new Uint8Array(bytes);
  assert.equal(generator.encode(out, 0), bytes);
  const commands: RespValue[] = [];
  new ReplyParser((value) => commands.push(value)).push(out);
  assert.equal(commands.length, 2, "DEL, then HSET");
  const hset = commands[1] as Uint8Array[];
  assert.equal(new TextDecoder().decode(hset[0]!), "HSET");
  assert.equal(compareContents(contents, hset.slice(2)), "match");
});

Deno.test("a mix resolves a plugin shape by the name its module gives it", async () => {
  const shape = await loadShapeModule(SESSION);
  const registry = builtinShapes().register(shape);
  const mix = new ShapeMix([
    { type: "string", share: 1, options: {} },
    { type: "session", share: 1, options: {} },
  ], { seed: 1, keys: testKeys, ttl: () => 0, registry });
  assert.deepEqual(mix.types, ["string", "hash"]);
});

Deno.test("a pipeline mixing built-in shapes with the session plugin fills and verifies", async () => {
  await using local = await startLocalRedis();
  const port = String(local.nodes[0]!.port);
  const run = await runDeno([
    "run",
    "-A",
    "tasks/redfill.ts",
    "run",
    "fixtures/pipelines/shapes_mix.yaml",
    "--set",
    `target.port=${port}`,
    "--set",
    "fill.keys=4000",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /4000 of 4000 keys/);
  assert.match(run.stdout + run.stderr, /pass {2}content: 2000 sampled keys/);
});

Deno.test("a shape plugin that throws ends the fill with exit 5 and one sentence", async () => {
  await using local = await startLocalRedis();
  const run = await runDeno([
    "run",
    "-A",
    "tasks/redfill.ts",
    "run",
    "fixtures/pipelines/shape_plugin_throws.yaml",
    "--set",
    `target.port=${local.nodes[0]!.port}`,
  ]);
  assertFailure(
    run,
    5,
    /^Step "fill" failed: Shape "throws" failed on key 99: the session store is unreachable$/,
  );
});

Deno.test("the README's shape example is fixtures/shapes/token.ts, and a fill with it verifies", async () => {
  const readme = await Deno.readTextFile("README.md");
  const start = readme.indexOf("\n## Shapes\n");
  assert.ok(start >= 0, "README has no Shapes section");
  const block = /```ts ignore\n([\s\S]*?)```\n/.exec(readme.slice(start))?.[1];
  assert.equal(block, await Deno.readTextFile("fixtures/shapes/token.ts"));
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/token.yaml`;
  await Deno.writeTextFile(
    file,
    `version: 1
name: token
target: { url: "redis://127.0.0.1:${local.nodes[0]!.port}" }
steps:
  - connect
  - fill:
      keys: 3000
      key-size: 48
      keyspace:
        - { uses: ${Deno.cwd()}/fixtures/shapes/token.ts, with: { token-size: 20 } }
  - verify: { sample: 500 }
  - report: { format: table }
`,
  );
  const run = await runDeno(["run", "-A", "tasks/redfill.ts", "run", file]);
  await Deno.remove(dir, { recursive: true });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /token \(hash\) 3,000 keys/);
});
