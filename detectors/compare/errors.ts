// Problems with the user's input files (unreadable, empty, nothing in common).
// They exit 2 with a message that names the file and the problem.
import { DriftwatchError } from '../../src/core/errors.ts';

// TODO(wiring): switch to a dedicated 'DW_INPUT' code once src/errors.ts has it.
const INPUT_CODE = 'DW_INPUT' as const;

export function inputError(message: string, cause?: unknown): DriftwatchError {
  return new DriftwatchError(INPUT_CODE, message, cause === undefined ? {} : { cause });
}
