// Regenerates src/api/sql-functions.ts, the functions read-only SQL may call:
// every function the embedded engine lists in system.functions, less those
// src/api/sql-policy.ts refuses. Run after a chDB upgrade, review the diff:
//   npx tsx scripts/sql-functions.ts
// test/api/sql-functions.test.ts fails while the file and the engine disagree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { engineFunctionLists, renderFunctionsFile } from '../src/api/sql-functions-gen.ts';
import { openEmbeddedStore } from '../src/core/store/embedded.ts';

const out = resolve(import.meta.dirname, '../src/api/sql-functions.ts');
const dir = mkdtempSync(join(tmpdir(), 'dw-sql-functions-'));
const store = await openEmbeddedStore({ path: dir, database: 'driftwatch' });
const lists = await engineFunctionLists(store);
await store.close();
rmSync(dir, { recursive: true, force: true });
writeFileSync(out, renderFunctionsFile(lists));
console.log(`${lists.allowed.length} functions allowed, ${Object.keys(lists.denied).length} refused:`);
for (const [name, why] of Object.entries(lists.denied)) console.log(`  ${name}: ${why}`);
console.log(`wrote ${out}`);
process.exit(0);
