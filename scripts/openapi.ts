// Writes docs/openapi.json from the route schemas (src/api/openapi.ts); a
// test fails when the committed file is not what this writes.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '../src/api/openapi.ts';

const out = resolve(import.meta.dirname, '..', 'docs', 'openapi.json');
writeFileSync(out, JSON.stringify(openApiDocument(), null, 2) + '\n');
console.log(`wrote ${out}`);
