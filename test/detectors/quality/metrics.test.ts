// The arithmetic of metrics.ts on small hand-checked cases (scikit-learn 1.9
// values where noted), including the edges: zero division, classes only
// predicted, missing confidences, one class only.
import { describe, expect, it } from 'vitest';
import { aucFromRankSums, classificationScores, expectedCalibrationError, regressionScores, sortClasses } from '../../../detectors/quality/metrics.ts';

describe('classificationScores', () => {
  it('y_true [a a b c], y_pred [a b b b]: sklearn macro over the union, zero_division=0', () => {
    // precision_recall_fscore_support(['a','a','b','c'], ['a','b','b','b'], zero_division=0)
    // p = [1, 1/3, 0], r = [0.5, 1, 0], f1 = [2/3, 0.5, 0]
    const s = classificationScores([
      { y: 'a', yhat: 'a', n: 1 },
      { y: 'a', yhat: 'b', n: 1 },
      { y: 'b', yhat: 'b', n: 1 },
      { y: 'c', yhat: 'b', n: 1 },
    ]);
    expect(s).toMatchObject({ n: 4, correct: 2, accuracy: 0.5, classes: ['a', 'b', 'c'] });
    expect(s.perClass.map((c) => [c.cls, c.precision, c.recall, c.support])).toEqual([
      ['a', 1, 0.5, 2],
      ['b', 1 / 3, 1, 1],
      ['c', 0, 0, 1],
    ]);
    expect(s.perClass[0]?.f1).toBeCloseTo(2 / 3, 15);
    expect(s.precisionMacro).toBeCloseTo(4 / 9, 15);
    expect(s.recallMacro).toBeCloseTo(0.5, 15);
    expect(s.f1Macro).toBeCloseTo((2 / 3 + 0.5) / 3, 15);
  });

  it('a class that is only predicted takes part in the macro mean', () => {
    const s = classificationScores([
      { y: 'a', yhat: 'a', n: 3 },
      { y: 'a', yhat: 'z', n: 1 },
    ]);
    expect(s.classes).toEqual(['a', 'z']);
    expect(s.recallMacro).toBeCloseTo((0.75 + 0) / 2, 15);
  });

  it('no rows: nulls', () => {
    expect(classificationScores([])).toMatchObject({ accuracy: null, precisionMacro: null, f1Macro: null, classes: [] });
  });
});

describe('sortClasses', () => {
  it('numbers numerically, else by code point (numpy.unique order)', () => {
    expect(sortClasses(['10', '9', '1.5', '9'])).toEqual(['1.5', '9', '10']);
    expect(sortClasses(['b', 'B', 'a', '\u{1F600}', '\uFFFF'])).toEqual(['B', 'a', 'b', '\uFFFF', '\u{1F600}']);
  });
});

describe('expectedCalibrationError', () => {
  it('Σ n_b / N |acc_b - conf_b|', () => {
    // bin 9: 2 rows, conf 0.95 each, 1 correct -> |0.5 - 0.95| = 0.45, weight 2/4
    // bin 5: 2 rows, conf 0.55 each, 2 correct -> |1 - 0.55| = 0.45, weight 2/4
    expect(
      expectedCalibrationError([
        { bin: 9, n: 2, correct: 1, confSum: 1.9 },
        { bin: 5, n: 2, correct: 2, confSum: 1.1 },
      ]),
    ).toBeCloseTo(0.45, 15);
  });

  it('null when a row has no confidence or there are no rows', () => {
    expect(expectedCalibrationError([{ bin: -1, n: 1, correct: 1, confSum: 0 }, { bin: 3, n: 1, correct: 1, confSum: 0.35 }])).toBeNull();
    expect(expectedCalibrationError([])).toBeNull();
  });
});

describe('aucFromRankSums', () => {
  it('mid-ranks for ties; null without both classes', () => {
    // scores pos {0.4, 0.8}, neg {0.1, 0.4}: pairs 1 + 0.5 + 1 + 1 = 3.5 of 4 (sklearn 0.875)
    expect(aucFromRankSums({ nPos: 2, nNeg: 2, twiceU: 7 })).toBe(0.875);
    expect(aucFromRankSums({ nPos: 0, nNeg: 3, twiceU: 0 })).toBeNull();
  });
});

describe('regressionScores', () => {
  it('mean of the sums; nulls without rows', () => {
    expect(regressionScores({ n: 4, absSum: 2, sqSum: 4, apeSum: 1 })).toEqual({ mae: 0.5, rmse: 1, mape: 0.25 });
    expect(regressionScores({ n: 0, absSum: 0, sqSum: 0, apeSum: 0 })).toEqual({ mae: null, rmse: null, mape: null });
  });
});
