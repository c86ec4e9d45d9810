/**
 * The `target:` section of a pipeline file: its schema (kebab-case keys); the defaults are in
 * `lib/defaults.ts`.
 *
 * @module
 */

import { z } from "zod";

/**
 * The `tls:` map. Relative paths are relative to the pipeline file, or, given by an override, to
 * the directory it was typed in.
 */
export const tlsFileSchema: z.ZodObject<{
  ca: z.ZodOptional<z.ZodString>;
  cert: z.ZodOptional<z.ZodString>;
  key: z.ZodOptional<z.ZodString>;
  servername: z.ZodOptional<z.ZodString>;
  insecure: z.ZodOptional<z.ZodBoolean>;
}, z.core.$strict> = z.strictObject({
  ca: z.string().min(1).meta({ format: "path" }).optional().describe(
    "PEM file of the CA certificate(s) to trust",
  ),
  cert: z.string().min(1).meta({ format: "path" }).optional().describe(
    "PEM client certificate (mTLS)",
  ),
  key: z.string().min(1).meta({ format: "path" }).optional().describe(
    "PEM private key of the client certificate",
  ),
  servername: z.string().min(1).optional().describe("Server name to send (SNI) and check"),
  insecure: z.boolean().optional().describe("Skip certificate verification (tests only)"),
});

/** The `target:` section as written in a file. */
export const targetFileSchema: z.ZodObject<{
  url: z.ZodOptional<z.ZodString>;
  host: z.ZodOptional<z.ZodString>;
  port: z.ZodOptional<z.ZodNumber>;
  socket: z.ZodOptional<z.ZodString>;
  mode: z.ZodOptional<
    z.ZodEnum<{ standalone: "standalone"; cluster: "cluster"; auto: "auto"; proxy: "proxy" }>
  >;
  tls: z.ZodOptional<z.ZodUnion<readonly [z.ZodBoolean, typeof tlsFileSchema]>>;
  username: z.ZodOptional<z.ZodString>;
  password: z.ZodOptional<z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>>;
  "connect-timeout": z.ZodOptional<z.ZodNumber>;
  "command-timeout": z.ZodOptional<z.ZodNumber>;
  transport: z.ZodOptional<z.ZodString>;
}, z.core.$strict> = z.strictObject({
  url: z.string().optional().describe(
    "redis://[user:password@]host:port, rediss://… for TLS, or unix:///path; instead of host and port",
  ),
  host: z.string().min(1).optional().describe(
    "Host of the seed node (default 127.0.0.1); an IPv6 address with or without brackets",
  ),
  port: z.number().int().min(1).max(65535).optional().describe(
    "Port of the seed node (default 6379, 6380 with TLS)",
  ),
  socket: z.string().min(1).meta({ format: "path" }).optional().describe(
    "Unix socket of a standalone server, instead of host and port",
  ),
  mode: z.enum(["standalone", "cluster", "auto", "proxy"]).optional().describe(
    "standalone, cluster, auto: ask the server (default auto), or proxy: a twemproxy-style endpoint (no INFO, CLIENT, CLUSTER or FLUSHALL)",
  ),
  tls: z.union([z.boolean(), tlsFileSchema]).optional().describe(
    "true, or TLS settings; present means TLS",
  ),
  username: z.string().min(1).optional().describe("ACL user name"),
  password: z.union([z.string(), z.number()]).optional().describe(
    "Password; use ${env.NAME} rather than writing it in the file",
  ),
  "connect-timeout": z.number().int().positive().optional().describe(
    "Connect timeout in milliseconds (default 5000)",
  ),
  "command-timeout": z.number().int().positive().optional().describe(
    "How long a node may take to answer a control command, read the fill's writes, or answer its barrier, WAIT or last replies, in milliseconds (default 10000); a frozen node is lost after it",
  ),
  transport: z.string().min(1).optional().describe(
    "Name of a registered transport to use instead of the one chosen by mode",
  ),
});

/** The `target:` section as written in a file, typed. */
export type TargetFile = z.output<typeof targetFileSchema>;
