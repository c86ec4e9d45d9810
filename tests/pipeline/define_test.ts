import { assertEquals, assertThrows } from "./_assert.ts";
import { z } from "zod";
import {
  defineStep,
  defineTransport,
  KEBAB_CASE,
  stepDefinitionProblem,
  transportDefinitionProblem,
} from "../../lib/pipeline/define.ts";

Deno.test("defineStep() returns a frozen definition with defaults for needs, provides and options", () => {
  const step = defineStep({ name: "hello", description: "Says hello", run: () => "hi" });
  assertEquals(step.needs, []);
  assertEquals(step.provides, []);
  assertEquals(step.optional, []);
  assertEquals(step.always, undefined);
  assertEquals((step.options as z.ZodObject).safeParse({}).success, true);
  assertEquals(Object.isFrozen(step), true);
});

Deno.test("defineStep() passes validated options to run with their output type", async () => {
  const step = defineStep({
    name: "typed",
    description: "Doubles a number",
    options: z.strictObject({ "key-size": z.number().default(2) }),
    run: (_ctx, options) => options["key-size"] * 2,
  });
  const output: number = await step.run({} as never, step.options.parse({}));
  assertEquals(output, 4);
});

Deno.test("defineStep() throws for a name that is not kebab-case", () => {
  assertThrows(
    () => defineStep({ name: "Memory_Doctor", description: "x", run: () => null }),
    Error,
    'Invalid step definition: the step name "Memory_Doctor" is not kebab-case',
  );
});

Deno.test("defineStep() throws for options that are not a zod object schema", () => {
  assertThrows(
    () =>
      defineStep({
        name: "bad-options",
        description: "x",
        options: z.string() as unknown as z.ZodObject,
        run: () => null,
      }),
    Error,
    "are not a zod object schema",
  );
});

Deno.test("defineStep() throws for a reserved name and for a missing description", () => {
  assertThrows(
    () => defineStep({ name: "uses", description: "x", run: () => null }),
    Error,
    "reserved",
  );
  assertThrows(
    () => defineStep({ name: "quiet", description: " ", run: () => null }),
    Error,
    "no description",
  );
});

Deno.test("defineTransport() throws for unknown modes and a missing factory", () => {
  assertThrows(
    () =>
      defineTransport({
        name: "odd",
        description: "x",
        modes: ["sentinel" as never],
        create: () => ({}) as never,
      }),
    Error,
    "modes of transport",
  );
  assertThrows(
    () =>
      defineTransport({ name: "odd", description: "x", modes: ["standalone"], create: 1 as never }),
    Error,
    "has no create function",
  );
});

Deno.test("defineStep() types run's options from the schema (checked when the tests compile)", () => {
  const step = defineStep({
    name: "typed",
    description: "Typed options",
    options: z.strictObject({ size: z.number().default(1), label: z.string() }),
    run(_ctx, options) {
      const size: number = options.size;
      const label: string = options.label;
      // @ts-expect-error size is a number, so this line fails to compile if types are lost
      const wrong: string = options.size;
      // @ts-expect-error an option the schema does not have
      const missing = options.nothing;
      return { size, label, wrong, missing };
    },
  });
  assertEquals(step.name, "typed");
});

Deno.test("defineStep() keeps the fact lists frozen and always only when asked", () => {
  const needs = ["connection"] as const;
  const step = defineStep({
    name: "facts",
    description: "x",
    needs,
    provides: ["fill"],
    optional: ["flush"],
    always: true,
    run: () => null,
  });
  assertEquals([step.needs, step.provides, step.optional, step.always], [
    ["connection"],
    ["fill"],
    ["flush"],
    true,
  ]);
  assertEquals([Object.isFrozen(step.needs), Object.isFrozen(step.optional)], [true, true]);
  assertEquals(step.needs === needs, false, "a copy of the list given");
});

Deno.test("stepDefinitionProblem() names the first thing wrong with a module's export", () => {
  const valid = defineStep({ name: "ok-step", description: "x", run: () => null });
  assertEquals(stepDefinitionProblem(valid), undefined);
  const cases: [unknown, string][] = [
    [null, "a step definition must be an object"],
    [{ ...valid, description: "" }, 'step "ok-step" has no description'],
    [{ ...valid, needs: ["", "x"] }, 'the needs of step "ok-step" are not a list of names'],
    [{ ...valid, provides: "fill" }, 'the provides of step "ok-step" are not a list of names'],
    [
      { ...valid, optional: undefined },
      'the optional facts of step "ok-step" are not a list of names',
    ],
    [{ ...valid, run: undefined }, 'step "ok-step" has no run function'],
    [{ ...valid, name: "with" }, 'the step name "with" is reserved by the pipeline file format'],
  ];
  for (const [value, problem] of cases) assertEquals(stepDefinitionProblem(value), problem);
});

Deno.test("transportDefinitionProblem() names the first thing wrong with a transport", () => {
  const valid = defineTransport({
    name: "ok-transport",
    description: "x",
    modes: ["cluster"],
    create: () => ({}) as never,
  });
  assertEquals(transportDefinitionProblem(valid), undefined);
  assertEquals(transportDefinitionProblem(7), "a transport definition must be an object");
  assertEquals(
    transportDefinitionProblem({ ...valid, name: "Odd_Name" }),
    'the transport name "Odd_Name" is not kebab-case (like "cluster")',
  );
  assertEquals(
    transportDefinitionProblem({ ...valid, description: " " }),
    'transport "ok-transport" has no description',
  );
  assertEquals(
    transportDefinitionProblem({ ...valid, modes: [] }),
    'the modes of transport "ok-transport" must be a non-empty list of "standalone", "cluster", "auto", "proxy"',
  );
});

Deno.test("KEBAB_CASE accepts words joined by dashes and nothing else", () => {
  for (const name of ["fill", "memory-doctor", "a1-b2"]) assertEquals(KEBAB_CASE.test(name), true);
  for (const name of ["Fill", "memory_doctor", "-x", "x-", "a--b", "1abc", ""]) {
    assertEquals(KEBAB_CASE.test(name), false, name);
  }
});
