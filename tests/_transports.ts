/**
 * Transports for executor tests that are about the order of steps and of closing: a fake that
 * talks to no server, and a spy that records the same events while a real transport does the
 * work. Both are registered beside the built-in steps and transports of `defaultRegistry()`.
 *
 * @module
 */

import { defaultRegistry } from "../lib/builtins.ts";
import { defineTransport } from "../lib/pipeline/define.ts";
import type { Registry } from "../lib/pipeline/registry.ts";
import { standaloneTransport } from "../lib/transport/standalone.ts";
import type { NodeInfo, Topology, Transport, TransportDefinition } from "../lib/types.ts";

/** What a fake or spy transport saw, in order. */
export interface TransportLog {
  /** `name:connect host:port`, `name:call …`, `name:each …`, `name:close`. */
  events: string[];
}

/**
 * A transport that answers every command with OK and records connect, calls and close; it has
 * no data plane. For tests about the order of steps and closing only.
 *
 * @param log Where to record.
 * @param name Its name (`target.transport` selects it).
 * @returns The definition.
 */
export function fakeTransport(
  log: TransportLog,
  name = "fake",
  nodeHost?: string,
): TransportDefinition {
  return defineTransport({
    name,
    description: "Records calls instead of talking to Redis",
    modes: ["standalone", "cluster", "auto"],
    create({ target }): Transport {
      const node: NodeInfo = {
        id: "standalone",
        host: nodeHost ?? target.host,
        port: target.port,
        role: "master",
        slots: [[0, 16383]],
      };
      const topology: Topology = { mode: "standalone", nodes: [node] };
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
          return Promise.resolve([{ node, reply: "OK" }]);
        },
        openWriter() {
          return Promise.reject(new Error("The fake transport has no data plane"));
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
 * The real standalone transport, recording connect, `callEachMaster` and close as
 * {@linkcode fakeTransport} does, so a test against a real server can check the same order.
 *
 * @param log Where to record.
 * @param name Its name (`target.transport` selects it).
 * @returns The definition.
 */
export function spyTransport(log: TransportLog, name = "spy"): TransportDefinition {
  return defineTransport({
    name,
    description: "The standalone transport, recording what it is asked to do",
    modes: ["standalone"],
    create(init): Transport {
      const real = standaloneTransport.create(init);
      const { host, port } = init.target;
      let closed = false;
      return {
        name,
        connect() {
          log.events.push(`${name}:connect ${host}:${port}`);
          return real.connect();
        },
        topology: () => real.topology(),
        refresh: () => real.refresh(),
        call(args, route) {
          log.events.push(`${name}:call ${args.join(" ")}`);
          return real.call(args, route);
        },
        callEachMaster(args) {
          log.events.push(`${name}:each ${args.join(" ")}`);
          return real.callEachMaster(args);
        },
        openWriter: (node) => real.openWriter(node),
        async close() {
          if (!closed) log.events.push(`${name}:close`);
          closed = true;
          await real.close();
        },
      };
    },
  });
}

/**
 * The built-in steps and transports, plus the given transports.
 *
 * @param transports Extra transports, e.g. {@linkcode fakeTransport}.
 * @returns A new registry.
 */
export function registryWith(...transports: TransportDefinition[]): Registry {
  const registry = defaultRegistry();
  for (const transport of transports) registry.registerTransport(transport);
  return registry;
}
