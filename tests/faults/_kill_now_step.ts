/**
 * A step for fault tests only: right after a pipeline's fill, kills a local node with SIGKILL
 * at once (unlike `_kill_step.ts`, it does not wait for the replicas to catch up), then waits
 * until its port refuses connections. With `durability: replicas` no acknowledged key may be
 * lost that way.
 *
 * ```yaml
 * steps:
 *   - fill: { size: 8MiB, replies: true, durability: replicas }
 *   - uses: /path/to/tests/faults/_kill_now_step.ts
 *     with: { pid: 1234, port: 7001 }
 * ```
 *
 * @module
 */

import { z } from "zod";
import { defineStep } from "redfill";

/** Kills a local node at once. */
export default defineStep({
  name: "kill-node-now",
  description: "Test only: kills a local node (SIGKILL) at once",
  options: z.strictObject({ pid: z.number().int(), port: z.number().int() }),
  async run(ctx, options) {
    Deno.kill(options.pid, "SIGKILL");
    const deadline = performance.now() + 20_000;
    for (;;) {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: options.port });
        conn.close();
      } catch {
        break;
      }
      if (performance.now() > deadline) throw new Error(`127.0.0.1:${options.port} still up`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ctx.logger.info(`Killed 127.0.0.1:${options.port} (pid ${options.pid}) right after the fill`);
  },
});
