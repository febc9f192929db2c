# Fixed expectations for test/detectors/estimated/nannyml.test.ts, computed
# once with NannyML 0.13.1 (scikit-learn 1.9.1, numpy 2.4.6, pandas 3.1.1)
# on the small data sets below, which the test inserts into the engine
# as they are. Calibration is switched off on both sides (NannyML's
# NoopCalibrator, driftwatch's `calibration: none`), so the two compute the
# same expected confusion matrix and ROC AUC from the same probabilities.
# Run:
#   python3 -m venv /tmp/nml && /tmp/nml/bin/pip install nannyml statsmodels
#   /tmp/nml/bin/python test/detectors/estimated/nannyml_expected.py
import json
import os

os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"
import warnings

import numpy as np
import pandas as pd
import nannyml as nml
from nannyml.calibration import NoopCalibrator

warnings.filterwarnings('ignore')

METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']


def chunks(df):
    # One row for the reference (estimate and realized), one for the analysis chunk.
    out = {}
    for _, row in df.iterrows():
        period = row[('chunk', 'period')]
        out[period] = {m: {k: (None if pd.isna(row[(m, k)]) else float(row[(m, k)])) for k in ['value', 'sampling_error', 'realized']} for m in METRICS}
    return out


# Binary: p = P(class 1), prediction = p >= 0.5, labels on the reference.
REF_P = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.12, 0.88]
REF_Y = [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1]
CUR_P = [0.3, 0.42, 0.48, 0.51, 0.52, 0.58, 0.61, 0.66, 0.07, 0.93, 0.47, 0.55]


def binary():
    ref = pd.DataFrame({'p': REF_P, 'y_pred': [int(p >= 0.5) for p in REF_P], 'y': REF_Y})
    cur = pd.DataFrame({'p': CUR_P, 'y_pred': [int(p >= 0.5) for p in CUR_P]})
    est = nml.CBPE(y_pred_proba='p', y_pred='y_pred', y_true='y', problem_type='classification_binary',
                   metrics=['accuracy', 'precision', 'recall', 'f1', 'roc_auc'], chunk_number=1, calibrator=NoopCalibrator())
    est.fit(ref)
    return chunks(est.estimate(cur).to_df())


# Three classes a, b, c with probabilities; prediction = argmax.
REF_MC = [
    ([0.7, 0.2, 0.1], 'a'), ([0.6, 0.3, 0.1], 'b'), ([0.5, 0.25, 0.25], 'a'), ([0.2, 0.7, 0.1], 'b'),
    ([0.3, 0.5, 0.2], 'c'), ([0.1, 0.8, 0.1], 'b'), ([0.2, 0.2, 0.6], 'c'), ([0.1, 0.3, 0.6], 'c'),
    ([0.25, 0.25, 0.5], 'a'), ([0.4, 0.35, 0.25], 'a'), ([0.15, 0.45, 0.4], 'c'), ([0.33, 0.33, 0.34], 'b'),
]
CUR_MC = [[0.8, 0.1, 0.1], [0.45, 0.45, 0.1], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.34, 0.33, 0.33], [0.3, 0.2, 0.5], [0.5, 0.4, 0.1], [0.05, 0.15, 0.8]]


def multiclass():
    cls = ['a', 'b', 'c']
    def frame(rows, labels):
        d = {f'p_{c}': [r[i] for r in rows] for i, c in enumerate(cls)}
        d['y_pred'] = [cls[int(np.argmax(r))] for r in rows]
        if labels is not None:
            d['y'] = labels
        return pd.DataFrame(d)
    ref = frame([r for r, _ in REF_MC], [y for _, y in REF_MC])
    cur = frame(CUR_MC, None)
    est = nml.CBPE(y_pred_proba={c: f'p_{c}' for c in cls}, y_pred='y_pred', y_true='y', problem_type='classification_multiclass',
                   metrics=['accuracy', 'precision', 'recall', 'f1', 'roc_auc'], chunk_number=1, calibrator=NoopCalibrator())
    est.fit(ref)
    return chunks(est.estimate(cur).to_df())


print(json.dumps({'binary': binary(), 'multiclass': multiclass()}, indent=1))
