import { assertEquals, assertThrows } from "./_assert.ts";
import { z } from "zod";
import { defineStep, defineTransport } from "../../lib/pipeline/define.ts";

Deno.test("defineStep() returns a frozen definition with defaults for needs, provides and options", () => {
  const step = defineStep({ name: "hello", description: "Says hello", run: () => "hi" });
  assertEquals(step.needs, []);
  assertEquals(step.provides, []);
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
