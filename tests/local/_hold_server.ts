/**
 * A process that holds local servers, for the cleanup tests: starts them with the options
 * given as JSON in the first argument, prints one JSON line with their pids (the proxy's
 * apart) and folders, then waits (`hold`) or exits at once without stopping them (`exit`).
 *
 * @module
 */

import { startLocalRedis } from "../../lib/local/mod.ts";

const [options = "{}", mode = "hold"] = Deno.args;
const redis = await startLocalRedis(JSON.parse(options));
console.log(JSON.stringify({
  pids: redis.nodes.map((n) => n.pid),
  proxyPid: redis.proxy?.pid,
  dirs: [
    ...redis.nodes.map((n) => n.dir),
    ...(redis.tls ? [redis.tls.dir] : []),
    ...(redis.proxy ? [redis.proxy.dir] : []),
  ],
}));
if (mode === "exit") Deno.exit(0);
await redis.waitForExit();
