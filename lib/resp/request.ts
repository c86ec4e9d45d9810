/**
 * One request and its single-line reply on a data-plane socket, for handshakes (AUTH) and
 * barriers (`CLIENT REPLY ON`).
 *
 * @module
 */

import { FillError } from "../errors.ts";
import type { DataSocket } from "../types.ts";
import { type LineReply, ReplyScanner } from "./reply.ts";
import { formatAddress } from "../address.ts";

/**
 * Sends one command on a data socket and waits for its single-line reply. Only for use
 * while no other reply is outstanding (handshakes and barriers).
 *
 * @param socket The socket.
 * @param command Encoded command.
 * @param timeoutMs How long to wait.
 * @returns The reply.
 * @throws {FillError} when no reply comes within `timeoutMs`.
 */
export function requestLine(
  socket: DataSocket,
  command: Uint8Array,
  timeoutMs: number,
): Promise<LineReply> {
  return new Promise<LineReply>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new FillError(
            `"${formatAddress(socket.node.host, socket.node.port)}" did not answer within ${
              timeoutMs / 1000
            } s`,
          ),
        ),
      timeoutMs,
    );
    const scanner = new ReplyScanner((reply) => {
      clearTimeout(timer);
      socket.onData(() => {});
      resolve(reply);
    });
    socket.onData((chunk) => scanner.push(chunk));
    socket.closed.then(
      () => {
        clearTimeout(timer);
        reject(new Error("Connection is closed"));
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
    socket.write(command).catch((error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
