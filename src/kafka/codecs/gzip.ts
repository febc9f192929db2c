// gzip through Node's zlib, with its maxOutputLength as the cap (zlib stops
// inflating there instead of growing the output without bound).
import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
import { corrupt, tooLarge } from './errors.ts';

const unzipAsync = promisify(unzip);
const gzipAsync = promisify(gzip);

export async function gzipDecompress(src: Uint8Array, cap: number): Promise<Buffer> {
  try {
    return await unzipAsync(src, { maxOutputLength: Math.max(1, cap) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(cap);
    throw corrupt(`gzip: ${(e as Error).message}`);
  }
}

export async function gzipCompress(input: Uint8Array): Promise<Buffer> {
  return gzipAsync(input);
}
