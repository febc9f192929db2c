// Secrets are only ever written as references: `${ENV_VAR}` in the YAML, or a
// sibling `<name>_file` key pointing at a file. Resolved values are wrapped so
// that JSON.stringify, String() and util.inspect all print [redacted].
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** A secret given as `${ENV_VAR}`. Literal values are refused so they never sit in a config file. */
export function secretRef(description: string) {
  return z
    .string()
    .regex(ENV_REF, 'must be a reference ${ENV_VAR} (or use the _file variant); literal secrets are not accepted')
    .transform((ref, ctx) => {
      const name = ENV_REF.exec(ref)?.[1] ?? '';
      const value = process.env[name];
      if (value === undefined || value === '') {
        ctx.addIssue({ code: 'custom', message: `environment variable ${name} is not set` });
        return z.NEVER;
      }
      return new Secret(value);
    })
    .describe(description);
}

/** A secret read from a file (Docker/Kubernetes secrets); trailing newline trimmed. */
export function secretFile(description: string) {
  return z
    .string()
    .min(1)
    .transform((path, ctx) => {
      try {
        return new Secret(readFileSync(path, 'utf8').replace(/\r?\n$/, ''));
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `cannot read secret file ${path}: ${(e as Error).message}` });
        return z.NEVER;
      }
    })
    .describe(description);
}

/** The value of a secret given either way, or undefined. */
export function pickSecret(ref: Secret | undefined, file: Secret | undefined): Secret | undefined {
  return ref ?? file;
}
