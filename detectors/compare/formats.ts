// Input formats of `driftwatch compare` and how the engine reads each.
import { open } from 'node:fs/promises';

export const INPUT_FORMATS = ['csv', 'jsonl', 'parquet', 'arrow'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Text formats are read with every column as a string, so "NA" and friends keep their meaning. */
export function isTextFormat(f: InputFormat): boolean {
  return f === 'csv' || f === 'jsonl';
}

const COMPRESSION = /\.(gz|gzip|zst|zstd|bz2|xz|lz4|br|deflate)$/i;

/** The format a file name implies (compression suffixes such as .gz are looked through), or null. */
export function formatFromPath(path: string): InputFormat | null {
  const name = path.replace(COMPRESSION, '').toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.parquet') || name.endsWith('.pq')) return 'parquet';
  if (name.endsWith('.arrow') || name.endsWith('.feather') || name.endsWith('.ipc') || name.endsWith('.arrows')) return 'arrow';
  return null;
}

/** The engine's format name; Arrow files (magic "ARROW1") and Arrow streams differ. */
export async function engineFormat(f: InputFormat, path: string): Promise<string> {
  switch (f) {
    case 'csv':
      return 'CSVWithNames';
    case 'jsonl':
      return 'JSONEachRow';
    case 'parquet':
      return 'Parquet';
    case 'arrow': {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(6);
        const { bytesRead } = await fh.read(buf, 0, 6, 0);
        return bytesRead === 6 && buf.toString('latin1') === 'ARROW1' ? 'Arrow' : 'ArrowStream';
      } finally {
        await fh.close();
      }
    }
  }
}
