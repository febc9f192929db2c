// Why a compressed record batch could not be decoded. `cause` is the
// `cause` label of driftwatch_ingest_undecodable_batches_total and part of
// the dead letter the batch becomes.

export type UndecodableCause = 'unknown_codec' | 'checksum' | 'corrupt' | 'too_large';

export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  constructor(
    readonly kind: UndecodableCause,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by a codec when the output would pass its cap: a decompression bomb, or a batch larger than driftwatch accepts. */
export function tooLarge(cap: number, what = 'the batch'): UndecodableBatchError {
  return new UndecodableBatchError('too_large', `${what} decompresses to more than ${cap} bytes`);
}

export function corrupt(message: string): UndecodableBatchError {
  return new UndecodableBatchError('corrupt', message);
}
