/**
 * A step for fault tests only: between a pipeline's fill and its verify, waits until the
 * node's replicas have every write (so no acknowledged key can be lost), then kills the node
 * with SIGKILL, as `kill -9` does, and waits until its port refuses connections.
 *
 * ```yaml
 * steps:
 *   - connect
 *   - fill: { size: 8MiB }
 *   - uses: /path/to/tests/faults/_kill_step.ts
 *     with: { pid: 1234, port: 7001 }
 *   - verify
 * ```
 *
 * @module
 */

import { z } from "zod";
import { defineStep } from "redfill";

/** Polls `probe` every 50 ms until it is true, throwing after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills a local node once its replicas caught up. */
export default defineStep({
  name: "kill-node",
  description: "Test only: kills a local node (SIGKILL) once its replicas have every write",
  options: z.strictObject({ pid: z.number().int(), port: z.number().int() }),
  needs: ["connection"],
  async run(ctx, options) {
    const transport = ctx.get("connection");
    const node = `127.0.0.1:${options.port}`;
    await until(`the replicas of ${node} catching up`, async () => {
      const info = String(await transport.call(["INFO", "replication"], { node }));
      const offset = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1]);
      return [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)]
        .every((match) => Number(match[1]) >= offset);
    });
    Deno.kill(options.pid, "SIGKILL");
    await until(`${node} refusing connections`, async () => {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: options.port });
        conn.close();
        return false;
      } catch {
        return true;
      }
    });
    ctx.logger.info(`Killed ${node} (pid ${options.pid})`);
  },
});
