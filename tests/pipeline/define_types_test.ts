/**
 * Compile-time checks of the typed step context: `deno check .` (and `deno test`, which checks
 * before it runs) fails when `ctx.get`, `ctx.find` or `ctx.provide` accept a fact the step did
 * not declare, or lose a fact's type. Each `@ts-expect-error` below is an error today; if the
 * typing regresses, the directive is unused and that is an error too.
 *
 * @module
 */

import assert from "node:assert/strict";
import { z } from "zod";
import { defineStep } from "redfill";
import type { FillResult, FlushResult, Topology, Transport } from "redfill";
import type { DoctorReport } from "../../fixtures/steps/memory_doctor.ts";

/** A step whose body holds the positive and negative cases for needs and provides. */
const needsAndProvides = defineStep({
  name: "typed-facts",
  description: "Reads what it needs, provides what it declares",
  options: z.strictObject({}),
  needs: ["connection", "topology"],
  provides: ["fill"],
  run(ctx) {
    const transport: Transport = ctx.get("connection");
    const masters: number = ctx.get("topology").nodes.length;
    // @ts-expect-error "verify" is not in needs
    ctx.get("verify");
    // @ts-expect-error "fill" is only provided: it may not exist yet, so get() refuses it
    ctx.get("fill");
    // @ts-expect-error a fact's type is kept: a topology is not a transport
    const wrong: Transport = ctx.get("topology");
    const result = {} as FillResult;
    ctx.provide("fill", result);
    // @ts-expect-error "verify" is not in provides
    ctx.provide("verify", { ok: true });
    // @ts-expect-error "fill" takes a FillResult
    ctx.provide("fill", { keys: 1 });
    // @ts-expect-error "connection" is needed, not provided
    ctx.provide("connection", transport);
    // has() may ask about any fact, declared or not.
    const any: boolean = ctx.has("verify") || ctx.has("a-plugin-fact");
    return { transport, masters, wrong, any };
  },
});

/** A step that reads an optional fact with find(), which may be undefined. */
const optionalFact = defineStep({
  name: "typed-optional",
  description: "Reads a fact only when an earlier step provided it",
  needs: ["connection"],
  optional: ["flush", "topology"],
  run(ctx) {
    const flush: FlushResult | undefined = ctx.find("flush");
    const topology: Topology | undefined = ctx.find("topology");
    // find() of a need is allowed too (it is always there).
    const transport: Transport | undefined = ctx.find("connection");
    // @ts-expect-error find() may return undefined
    const sure: FlushResult = ctx.find("flush");
    // @ts-expect-error "verify" is neither needed nor optional
    ctx.find("verify");
    // @ts-expect-error an optional fact is not guaranteed, so get() refuses it
    ctx.get("flush");
    // @ts-expect-error the step provides nothing
    ctx.provide("flush", { enabled: true, scope: "all", deleted: 0 });
    return { flush, topology, transport, sure };
  },
});

/** A step without declarations can read and provide nothing. */
const declaresNothing = defineStep({
  name: "typed-nothing",
  description: "Declares no facts",
  run(ctx) {
    // @ts-expect-error nothing is needed
    ctx.get("connection");
    // @ts-expect-error nothing is optional
    ctx.find("topology");
    // @ts-expect-error nothing is provided
    ctx.provide("fill", {} as FillResult);
    return ctx.stepId;
  },
});

/**
 * A plugin's own fact: `fixtures/steps/memory_doctor.ts` declares `doctor` in `ContextFacts`
 * with `declare module "redfill"`, so a step that needs it reads a typed DoctorReport.
 */
const pluginFact = defineStep({
  name: "typed-plugin-fact",
  description: "Needs a fact a plugin declared",
  needs: ["doctor", "undeclared-plugin-fact"],
  run(ctx) {
    const report: DoctorReport = ctx.get("doctor");
    const warned: boolean = ctx.get("doctor").warned;
    // @ts-expect-error the augmentation gives "doctor" its type
    const count: number = ctx.get("doctor");
    // A fact no plugin declared in ContextFacts has the value type unknown.
    const mystery: unknown = ctx.get("undeclared-plugin-fact");
    // @ts-expect-error unknown is not a string
    const text: string = ctx.get("undeclared-plugin-fact");
    return { report, warned, count, mystery, text };
  },
});

Deno.test("defineStep() keeps the declared facts as literal lists, at run time as in its type", () => {
  const needs: readonly ("connection" | "topology")[] = needsAndProvides.needs;
  const provides: readonly "fill"[] = needsAndProvides.provides;
  const optional: readonly ("flush" | "topology")[] = optionalFact.optional;
  assert.deepEqual(
    [needs, provides, optional, declaresNothing.needs, pluginFact.needs],
    [["connection", "topology"], ["fill"], ["flush", "topology"], [], [
      "doctor",
      "undeclared-plugin-fact",
    ]],
  );
});
