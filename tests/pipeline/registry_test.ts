import { assertEquals, assertThrows } from "./_assert.ts";
import { z } from "zod";
import { builtinTransports, defaultRegistry } from "../../lib/builtins.ts";
import { defineStep, defineTransport } from "../../lib/pipeline/define.ts";
import { Registry } from "../../lib/pipeline/registry.ts";

/** A transport that is never created, for registry tests. */
function transportNamed(name: string, modes: ("standalone" | "cluster" | "auto")[]) {
  return defineTransport({ name, description: "x", modes, create: () => ({}) as never });
}

Deno.test("Registry.transportFor() picks the first transport registered for a mode", () => {
  const registry = new Registry().registerTransport(transportNamed("only-cluster", ["cluster"]));
  for (const transport of builtinTransports) registry.registerTransport(transport);
  assertEquals(registry.transportFor("cluster")?.name, "only-cluster");
  assertEquals(registry.transportFor("standalone")?.name, "standalone");
  assertEquals(registry.transportFor("auto")?.name, "auto");
  assertEquals(new Registry().transportFor("standalone"), undefined);
});

Deno.test("Registry.registerStep() rejects a second step with the same name but allows the same one", () => {
  const registry = defaultRegistry();
  const connect = registry.step("connect");
  if (connect === undefined) throw new Error("connect missing");
  registry.registerStep(connect);
  assertThrows(
    () => registry.registerStep(defineStep({ name: "connect", description: "x", run: () => null })),
    Error,
    'Cannot register step "connect": another step has that name',
  );
});

Deno.test("Registry.registerTransport() rejects a second transport with the same name", () => {
  const registry = defaultRegistry();
  registry.registerTransport(registry.transport("cluster")!);
  assertThrows(
    () => registry.registerTransport(transportNamed("cluster", ["cluster"])),
    Error,
    'Cannot register transport "cluster": another transport has that name',
  );
});

Deno.test("Registry.registerStep() and registerTransport() refuse a malformed definition", () => {
  const registry = new Registry();
  assertThrows(
    () =>
      registry.registerStep(
        { name: "bad", description: "x", options: z.strictObject({}), run: () => null } as never,
      ),
    Error,
    'Cannot register a step: the needs of step "bad" are not a list of names',
  );
  assertThrows(
    () => registry.registerTransport({ name: "Bad", description: "x" } as never),
    Error,
    'Cannot register a transport: the transport name "Bad" is not kebab-case',
  );
});

Deno.test("Registry.clone() copies steps and transports without sharing later registrations", () => {
  const registry = defaultRegistry();
  const copy = registry.clone();
  copy.registerTransport(transportNamed("extra", ["standalone"]));
  assertEquals(copy.transport("extra")?.name, "extra");
  assertEquals(registry.transport("extra"), undefined);
  assertEquals(copy.steps().map((step) => step.name), registry.steps().map((step) => step.name));
  assertEquals(
    copy.transports().map((transport) => transport.name),
    ["standalone", "cluster", "auto", "proxy", "extra"],
  );
});
