import type { LocalRedis } from "../../lib/local/mod.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import { StandaloneTransport } from "../../lib/transport/standalone.ts";
import type { Logger, Target, Transport } from "../../lib/types.ts";

/** A logger that keeps what it was told. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(message),
    warn: (message) => lines.push(`warn: ${message}`),
  };
}

/** The target of a local server or cluster. */
export function targetOf(local: LocalRedis, extra: Partial<Target> = {}): Target {
  const seed = local.nodes[0]!;
  const target: Target = {
    host: seed.host,
    port: seed.port,
    mode: local.kind,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10000,
    ...extra,
  };
  if (local.tls) target.tls = { ca: local.tls.ca, cert: local.tls.cert, key: local.tls.key };
  if (local.password !== undefined) target.password = local.password;
  return target;
}

/** Connects a transport to a local server, runs `fn`, and always closes it. */
export async function withTransport<T>(
  local: LocalRedis,
  fn: (transport: Transport) => Promise<T>,
  extra: Partial<Target> = {},
): Promise<T> {
  const init = { target: targetOf(local, extra), logger: memoryLogger() };
  const transport = local.kind === "cluster"
    ? new ClusterTransport(init)
    : new StandaloneTransport(init);
  try {
    await transport.connect();
    return await fn(transport);
  } finally {
    await transport.close();
  }
}
