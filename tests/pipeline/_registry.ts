/**
 * A test registry with lookalikes of the built-in steps (same names, needs and provides) and a
 * fake transport that records what happens, for loader and executor unit tests.
 *
 * @module
 */

import { z } from "zod";
import { defineStep, defineTransport } from "../../lib/pipeline/define.ts";
import { Registry } from "../../lib/pipeline/registry.ts";
import type { NodeInfo, Topology, Transport } from "../../lib/types.ts";

/** What the fake transport saw, in order. */
export interface FakeLog {
  events: string[];
}

/** Parses a size like 512MB or 1GiB. */
function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (match === null) return undefined;
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
  };
  return Math.round(Number(match[1]) * (units[(match[2] ?? "b").toLowerCase()] ?? 1));
}

/** A size option: a number of bytes or a string like 512MB. */
export const sizeSchema = z.union([z.number().int().positive(), z.string()]).transform(
  (value, ctx) => {
    const bytes = typeof value === "number" ? value : parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: "custom", message: "expected a size like 512MB or 1.5GiB" });
      return z.NEVER;
    }
    return bytes;
  },
);

const node: NodeInfo = {
  id: "standalone",
  host: "127.0.0.1",
  port: 6379,
  role: "master",
  slots: [[0, 16383]],
};

/**
 * A fake transport definition recording connect/close into a log.
 *
 * @param log Where to record.
 * @param name Its name.
 */
export function fakeTransport(log: FakeLog, name = "fake") {
  return defineTransport({
    name,
    description: "Records calls instead of talking to Redis",
    modes: ["standalone", "cluster", "auto"],
    create({ target }): Transport {
      const topology: Topology = {
        mode: "standalone",
        nodes: [{ ...node, host: target.host, port: target.port }],
      };
      let closed = false;
      return {
        name,
        connect() {
          log.events.push(`${name}:connect ${target.host}:${target.port}`);
          return Promise.resolve(topology);
        },
        topology: () => topology,
        refresh: () => Promise.resolve(topology),
        call(args) {
          log.events.push(`${name}:call ${args.join(" ")}`);
          return Promise.resolve("OK");
        },
        callEachMaster(args) {
          log.events.push(`${name}:each ${args.join(" ")}`);
          return Promise.resolve(topology.nodes.map((n) => ({
            node: n,
            reply: "# Memory\r\nused_memory:900\r\nmaxmemory:1000\r\n",
          })));
        },
        openWriter() {
          return Promise.reject(new Error("no writers in the fake"));
        },
        close() {
          if (!closed) log.events.push(`${name}:close`);
          closed = true;
          return Promise.resolve();
        },
      };
    },
  });
}

/**
 * A registry with connect, discover, flush, fill, verify and report lookalikes.
 *
 * @param log Where the fake transport records.
 */
export function testRegistry(log: FakeLog = { events: [] }): Registry {
  const registry = new Registry();
  registry.registerTransport(fakeTransport(log));
  registry.registerStep(defineStep({
    name: "connect",
    description: "Connects to the target",
    options: z.strictObject({}),
    provides: ["connection"],
    async run(ctx) {
      const transport = ctx.createTransport();
      await transport.connect();
      ctx.provide("connection", transport);
      return { transport: transport.name };
    },
  }));
  registry.registerStep(defineStep({
    name: "discover",
    description: "Discovers the topology",
    options: z.strictObject({}),
    needs: ["connection"],
    provides: ["topology"],
    run(ctx) {
      const topology = ctx.get("connection").topology();
      ctx.provide("topology", topology);
      return { nodes: topology.nodes.length };
    },
  }));
  registry.registerStep(defineStep({
    name: "flush",
    description: "Flushes every master",
    options: z.strictObject({ async: z.boolean().default(false) }),
    needs: ["connection"],
    async run(ctx) {
      await ctx.get("connection").callEachMaster(["FLUSHALL"]);
      return { flushed: true };
    },
  }));
  registry.registerStep(defineStep({
    name: "fill",
    description: "Fills the keyspace",
    options: z.strictObject({
      size: sizeSchema.default(1024),
      "key-size": z.number().int().positive().default(512),
      "value-size": z.number().int().positive().default(512),
      connections: z.number().int().positive().optional(),
      ttl: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) })
        .optional(),
    }),
    needs: ["connection", "topology"],
    provides: ["fill"],
    run(ctx, options) {
      const keys = Math.ceil(options.size / (options["key-size"] + options["value-size"]));
      ctx.provide("fill", { keys } as never);
      return { keys, bytes: options.size };
    },
  }));
  registry.registerStep(defineStep({
    name: "verify",
    description: "Verifies what landed",
    options: z.strictObject({
      tolerance: z.number().min(0).max(1).default(0.2),
      sample: z.number().int().min(0).default(1000),
    }),
    needs: ["connection", "fill"],
    provides: ["verify"],
    run(ctx) {
      ctx.provide("verify", { ok: true } as never);
      return { ok: true };
    },
  }));
  registry.registerStep(defineStep({
    name: "report",
    description: "Renders the run",
    options: z.strictObject({
      format: z.array(z.enum(["table", "json", "markdown"])).default(["table"]),
      out: z.string().optional(),
    }),
    run(ctx) {
      return { outputs: [...ctx.outputs.keys()] };
    },
  }));
  return registry;
}
