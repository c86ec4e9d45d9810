/**
 * The raw ceiling: the RESP bytes of a fill, pre-generated once, streamed over one socket with
 * `CLIENT REPLY OFF`, closed by `CLIENT REPLY ON` as the barrier. It measures what the server
 * can take when the client does nothing but write.
 *
 * @module
 */

import type * as net from "node:net";
import { SlotCursor } from "../lib/fill/batch.ts";
import { encoderFor } from "../lib/fill/shape_batch.ts";
import { Keyspace } from "../lib/fill/keyspace.ts";
import { cpuSeconds } from "../lib/fill/process_stats.ts";
import { encodeCommand } from "../lib/resp/encode.ts";
import { SLOT_COUNT } from "../lib/cluster/slots.ts";
import { connectSocket } from "../lib/transport/connectors.ts";
import type { KeyspaceParams, Target } from "../lib/types.ts";

/** Bytes per pre-generated chunk: a 1 GiB ceiling is kept as sixteen 64 MiB chunks. */
export const CEILING_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Bytes per `socket.write` while streaming. node:net under Deno streams 1 MiB writes
 * faster than whole 64 MiB chunks (measured here: about 160–180 against 130–150 MB/s).
 */
export const CEILING_WRITE_BYTES = 1024 * 1024;

/** The pre-generated RESP of a whole keyspace. */
export interface CeilingPayload {
  /** The chunks, each holding whole `SET` commands. */
  chunks: Uint8Array[];
  /** Keys encoded. */
  keys: number;
  /** RESP bytes in all chunks. */
  wireBytes: number;
  /** Bytes of keys and contents (what a fill counts), when they vary by key. */
  payloadBytes?: number;
}

/** What one ceiling run measured. */
export interface CeilingResult {
  /** Keys sent. */
  keys: number;
  /** Bytes of keys and values sent (the same unit a fill reports). */
  bytes: number;
  /** RESP bytes sent. */
  wireBytes: number;
  /** From the first byte written to the barrier's reply, in milliseconds. */
  durationMs: number;
  /** Client CPU seconds used while streaming (generation excluded). */
  cpuSeconds: number;
}

/**
 * Encodes the `SET` commands for keys 0 … N-1, in index order, into chunks: the same
 * commands a fill of the keyspace sends, whatever their split over writers.
 *
 * @param params The keyspace.
 * @param chunkBytes Bytes per chunk (default {@linkcode CEILING_CHUNK_BYTES}).
 * @returns The chunks.
 */
export function generateCeiling(
  params: KeyspaceParams,
  chunkBytes = CEILING_CHUNK_BYTES,
): CeilingPayload {
  const keyspace = new Keyspace(params);
  // The primed SET encoder for plain strings, the shapes' encoder otherwise: the same bytes a fill sends.
  const encoder = encoderFor(keyspace);
  const slots = Int32Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
  const cursor = new SlotCursor(slots, 0, keyspace.count);
  const chunks: Uint8Array[] = [];
  let keys = 0;
  let wireBytes = 0;
  let payloadBytes = 0;
  for (;;) {
    const buffer = new Uint8Array(Math.max(chunkBytes, encoder.maxCommandBytes));
    const batch = encoder.fill(buffer, cursor);
    if (batch.keys === 0) break;
    chunks.push(buffer.subarray(0, batch.length));
    keys += batch.keys;
    wireBytes += batch.length;
    payloadBytes += batch.bytes ?? batch.keys * (params.keySize + params.valueSize);
  }
  return { chunks, keys, wireBytes, payloadBytes };
}

/**
 * Streams a pre-generated payload over one new socket (the fill's own node:net/node:tls
 * connector, so a fill below the ceiling is the fill's own doing) and waits for the barrier.
 *
 * @param target Where to connect (TLS settings are honoured).
 * @param payload The chunks from {@linkcode generateCeiling}.
 * @param keyValueBytes Key size + value size, for the byte count.
 * @returns The timing.
 * @throws {ConnectionError} when the socket cannot be opened.
 * @throws {Error} when the barrier answers anything but `+OK` or the socket fails.
 */
export async function streamCeiling(
  target: Target,
  payload: CeilingPayload,
  keyValueBytes: number,
): Promise<CeilingResult> {
  const socket = await connectSocket(target, target.host, target.port);
  try {
    const failed = new Promise<never>((_, reject) => {
      socket.once("error", reject);
      socket.once("close", () => reject(new Error("The server closed the ceiling socket")));
    });
    failed.catch(() => {});
    const barrier = firstLine(socket);
    const cpuStart = cpuSeconds();
    const started = performance.now();
    socket.write(encodeCommand(["CLIENT", "REPLY", "OFF"]));
    for (const chunk of payload.chunks) {
      for (let offset = 0; offset < chunk.length; offset += CEILING_WRITE_BYTES) {
        const slice = chunk.subarray(offset, Math.min(offset + CEILING_WRITE_BYTES, chunk.length));
        if (!socket.write(slice)) {
          await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), failed]);
        }
      }
    }
    socket.write(encodeCommand(["CLIENT", "REPLY", "ON"]));
    const reply = await Promise.race([barrier, failed]);
    const durationMs = performance.now() - started;
    const cpu = cpuSeconds() - cpuStart;
    if (reply !== "+OK") throw new Error(`The ceiling barrier answered "${reply}"`);
    return {
      keys: payload.keys,
      bytes: payload.payloadBytes ?? payload.keys * keyValueBytes,
      wireBytes: payload.wireBytes,
      durationMs,
      cpuSeconds: cpu,
    };
  } finally {
    socket.destroy();
  }
}

function firstLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const onData = (chunk: Uint8Array) => {
      for (const byte of chunk) text += String.fromCharCode(byte);
      const end = text.indexOf("\r\n");
      if (end >= 0) {
        socket.removeListener("data", onData);
        resolve(text.slice(0, end));
      }
    };
    socket.on("data", onData);
  });
}
