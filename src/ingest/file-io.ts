// Small file helpers shared by the spool and the journals of HTTP ingest.
import type { FileHandle } from 'node:fs/promises';

/** Write every byte of `parts` at the file's position (a write may be partial; loop until done). */
export async function writeAll(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  for (const part of parts) {
    let off = 0;
    while (off < part.length) off += (await fh.write(part, off)).bytesWritten;
  }
}
