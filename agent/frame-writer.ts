// Writes stdio frames ([u32 length][u32 channel][payload], shared/stdio-frames.ts) to a socket with
// one copy of the payload: the agent's stdout to the hub and the pty host's socket both carry them,
// terminal output included, so this is on the hot path.
import type { Socket } from 'node:net';

function header(len: number, channel: number): Buffer {
  const buf = Buffer.allocUnsafe(8 + len);
  buf.writeUInt32BE(4 + len, 0);
  buf.writeUInt32BE(channel, 4);
  return buf;
}

/** A frame of text (JSON), encoded to UTF-8 in place. */
export function writeFrame(sock: Socket, channel: number, payload: string): void {
  const len = Buffer.byteLength(payload);
  const buf = header(len, channel);
  buf.write(payload, 8);
  sock.write(buf);
}

/** A frame whose payload is bytes already (frames the pty host encoded, passed on unread). */
export function writeFrameBytes(sock: Socket, channel: number, payload: Uint8Array): void {
  const buf = header(payload.length, channel);
  buf.set(payload, 8);
  sock.write(buf);
}
