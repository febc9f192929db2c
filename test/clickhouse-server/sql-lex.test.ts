// The test server's lexer: multi-statements found outside strings and
// comments only, the output format of a trailing FORMAT clause, and where an
// INSERT's inline data starts.
import { describe, expect, it } from 'vitest';
import { inspectStatement } from './sql-lex.ts';

describe('inspectStatement', () => {
  it.each([
    ['SELECT 1', false],
    ['SELECT 1;', false],
    ['SELECT 1;  -- done\n', false],
    ['SELECT 1; SELECT 2', true],
    ["SELECT 'a;b', \"c;d\", `e;f` /* ; */ -- ;\n", false],
    ["SELECT 'it\\'s; fine'", false],
    ["SELECT 'it''s; fine'", false],
    ['SELECT 1;;', false],
    ['SET a = 1; SELECT 2', true],
  ])('%j is multi: %s', (sql, multi) => {
    expect(inspectStatement(sql).multi).toBe(multi);
  });

  it('names the output format of a trailing FORMAT clause only', () => {
    expect(inspectStatement('SELECT 1 FORMAT JSONEachRow').format).toBe('JSONEachRow');
    expect(inspectStatement('SELECT 1 \nFORMAT JSON SETTINGS max_threads = 1').format).toBe('JSON');
    expect(inspectStatement('SELECT format FROM t').format).toBeUndefined();
    expect(inspectStatement("SELECT * FROM file('x', 'CSV')").format).toBeUndefined();
    expect(inspectStatement('SELECT * FROM (SELECT 1 FORMAT CSV)').format).toBeUndefined();
    expect(inspectStatement("DESCRIBE file({path:String}, {format:String})").format).toBeUndefined();
    expect(inspectStatement('SELECT 1 FORMAT TSV;').format).toBe('TSV');
  });

  it('finds where the inline data of an INSERT starts and stops looking there', () => {
    const sql = 'INSERT INTO t (a, `values`) FORMAT JSONEachRow\n{"a":";"}; SELECT 1';
    const info = inspectStatement(sql);
    expect(info).toMatchObject({ first: 'INSERT', insertFormat: 'JSONEachRow', multi: false });
    expect(sql.slice(info.dataStart)).toBe('\n{"a":";"}; SELECT 1');
    const v = inspectStatement("INSERT INTO t VALUES (1, 'a;b')");
    expect(v.insertFormat).toBe('Values');
    expect(inspectStatement('INSERT INTO t SELECT * FROM s').dataStart).toBeUndefined();
  });

  it('reads the first keywords past comments and parentheses', () => {
    expect(inspectStatement('/* c */ -- d\n set max_threads = 1')).toMatchObject({ first: 'SET' });
    expect(inspectStatement('CREATE TEMPORARY TABLE x (a UInt8)')).toMatchObject({ firstTwo: 'CREATE TEMPORARY' });
    expect(inspectStatement('(SELECT 1) UNION ALL (SELECT 2)')).toMatchObject({ first: 'SELECT' });
  });
});
