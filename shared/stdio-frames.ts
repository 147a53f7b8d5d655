// Frames between the hub and an agent over the agent's stdin/stdout: [u32 length][u32 channel]
// [payload], big-endian, length counting channel + payload. Channel 0 carries control messages
// (JSON); channel N carries one client's contract frames (JSON text, passed through as bytes).
// Pure: Uint8Array and DataView only, so both sides share it.

export const CONTROL = 0;
/** A frame larger than this is a broken peer, not data: the stream is dropped. */
export const MAX_STDIO_FRAME = 64 * 1024 * 1024;

export type ControlMessage =
  | { t: 'open'; c: number }
  | { t: 'close'; c: number }
  /** Agent → hub once its services are up: the pty host's epoch, and its socket (for an admin
   * agent that takes the host over and keeps its shells). */
  | { t: 'ready'; epoch: string; ptySocket?: string };

export function encodeFrame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 4 + payload.length);
  v.setUint32(4, channel);
  out.set(payload, 8);
  return out;
}

export class FrameDecoder {
  private buf = new Uint8Array(0);

  /** Feeds bytes; returns the complete frames in them. Throws on a frame over MAX_STDIO_FRAME. */
  push(chunk: Uint8Array): { channel: number; payload: Uint8Array }[] {
    // Most chunks start a frame: only a partial frame left over is joined with the next chunk.
    let joined = chunk;
    if (this.buf.length) {
      joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
    }
    const out: { channel: number; payload: Uint8Array }[] = [];
    let off = 0;
    while (joined.length - off >= 8) {
      const v = new DataView(joined.buffer, joined.byteOffset + off);
      const len = v.getUint32(0);
      if (len < 4 || len > MAX_STDIO_FRAME) throw new Error(`bad frame length ${len}`);
      if (joined.length - off - 4 < len) break;
      out.push({ channel: v.getUint32(4), payload: joined.subarray(off + 8, off + 4 + len) });
      off += 4 + len;
    }
    this.buf = joined.slice(off);
    return out;
  }
}
