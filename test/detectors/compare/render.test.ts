// The three report formats: JSON is the report itself, the table is readable,
// the HTML is one self-contained file with a histogram per feature and every
// user-supplied string escaped.
import { describe, expect, it } from 'vitest';
import { binLabels, fmt } from '../../../detectors/compare/render/format.ts';
import { escapeHtml, renderHtml } from '../../../detectors/compare/render/html.ts';
import { renderJson } from '../../../detectors/compare/render/json.ts';
import { renderTable } from '../../../detectors/compare/render/table.ts';
import { compareInMemory, type ColumnTable } from '../../../detectors/report/in-memory.ts';

const EVIL = '<script>alert("x")</script>';

function table(rows: number, shift: number): ColumnTable {
  return {
    columns: ['amount', EVIL, 'device'],
    rows,
    data: {
      amount: Array.from({ length: rows }, (_, i) => String(((i * 7919) % 1000) / 10 + shift)),
      [EVIL]: Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? 'NA' : String(i % 3))),
      device: Array.from({ length: rows }, (_, i) => (shift > 0 && i % 4 === 0 ? `tv & <b>${i % 2}</b>` : ['ios', 'web'][i % 2])),
    },
  };
}

const report = { ...compareInMemory(table(400, 0), table(300, 20)), reference: { rows: 400, path: 'ref.csv' }, current: { rows: 300, path: 'cur.csv' } };

describe('json', () => {
  it('is the report', () => {
    expect(JSON.parse(renderJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe('table', () => {
  it('has one row per feature and the verdict', () => {
    const t = renderTable(report);
    for (const f of report.features) expect(t).toContain(f.name);
    expect(t).toMatch(/feature\s+type\s+n_ref\s+n_cur/);
    expect(t).toContain(`drift in ${report.drifted.length} of 3 features`);
    expect(t).toContain('KS D=');
    expect(t).toContain('chi2=');
  });
});

describe('html', () => {
  const html = renderHtml(report);

  it('is self-contained: no scripts, no external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).not.toMatch(/<link /i);
  });

  it('draws one reference-vs-current histogram per feature', () => {
    expect(html.match(/<svg /g)?.length).toBe(report.features.length);
    // two bars (reference, current) per bin of the numeric feature
    const amount = report.features.find((f) => f.name === 'amount');
    const svg = html.slice(html.indexOf('id="f-amount"'));
    expect(svg.slice(0, svg.indexOf('</svg>')).match(/<rect /g)?.length).toBe(2 * (amount?.counts.ref.length ?? 0));
  });

  it('escapes column names and categories', () => {
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('<b>0</b>');
  });
});

describe('formatting', () => {
  it('prints compact numbers and bin ranges', () => {
    expect(fmt(null)).toBe('-');
    expect(fmt(0.123456)).toBe('0.1235');
    expect(fmt(2.7e-40)).toBe('2.70e-40');
    expect(fmt(1234567)).toBe('1.23e+6');
    expect(binLabels([1, 2])).toEqual(['<= 1', '1..2', '> 2']);
  });
});
