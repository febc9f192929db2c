# Expected values for test/detectors/quality/quality.test.ts, from
# scikit-learn 1.9.1 / numpy 2.4.6. The data are the same formulas the test
# generates in the engine (see the comments there). Run:
#   python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn
#   /tmp/skl/bin/python test/detectors/quality/expected.py
import json
import numpy as np
from sklearn.metrics import (accuracy_score, brier_score_loss, log_loss, mean_absolute_error,
                             mean_absolute_percentage_error, precision_recall_fscore_support,
                             roc_auc_score, root_mean_squared_error)


def ece(correct, conf):
    # 10 equal-width bins (0, .1], (.1, .2], ..., (.9, 1], 0 in the first.
    edges = [i / 10 for i in range(1, 10)]
    bins = np.array([sum(c > e for e in edges) for c in conf])
    correct = np.asarray(correct, float)
    conf = np.asarray(conf, float)
    total = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            total += m.sum() / len(conf) * abs(correct[m].mean() - conf[m].mean())
    return total


def classification(y, pred, conf, proba=None, p1=None, labels=None):
    out = {'accuracy': accuracy_score(y, pred)}
    p, r, f, _ = precision_recall_fscore_support(y, pred, zero_division=0)
    classes = sorted(set(y) | set(pred))
    out['per_class'] = {c: [p[i], r[i], f[i]] for i, c in enumerate(classes)}
    for name, avg in [('precision_macro', 0), ('recall_macro', 1), ('f1_macro', 2)]:
        out[name] = precision_recall_fscore_support(y, pred, average='macro', zero_division=0)[avg]
    if p1 is not None:
        out['roc_auc'] = roc_auc_score(y, p1)
        out['log_loss'] = log_loss(y, p1)
        out['brier'] = brier_score_loss(y, p1)
    else:
        out['roc_auc'] = roc_auc_score(y, proba, multi_class='ovr', average='macro')
        out['log_loss'] = log_loss(y, proba, labels=labels)
    out['ece'] = ece([a == b for a, b in zip(y, pred)], conf)
    out['n'] = len(y)
    return out


res = {}

# clf, current window: events 0..199; labels for 0..189 (190..194 late,
# 195..196 empty, 197..199 none); a second, flipped label for i % 20 == 0.
ys, preds, confs, p1s = [], [], [], []
for i in range(190):
    y = 1 if (i * 7) % 10 < 4 else 0
    k = (i * 13) % 70
    p1 = 0.3 + k / 100 if y == 1 else k / 100
    pred = 1 if p1 >= 0.5 else 0
    label = 1 - y if i % 20 == 0 else y
    ys.append(label); preds.append(pred); confs.append(max(p1, 1 - p1)); p1s.append(p1)
res['clf_cur'] = classification(ys, preds, confs, p1=p1s)

# clf, baseline window: events 0..199, all labelled, perfectly separated.
ys, preds, confs, p1s = [], [], [], []
for i in range(200):
    y = 1 if (i * 7) % 10 < 4 else 0
    k = (i * 13) % 50
    p1 = 0.5 + k / 100 if y == 1 else k / 100
    ys.append(y); preds.append(1 if p1 >= 0.5 else 0); confs.append(max(p1, 1 - p1)); p1s.append(p1)
res['clf_ref'] = classification(ys, preds, confs, p1=p1s)

# mc: events 0..149, three classes, full probability maps.
C = ['a', 'b', 'c']
ys, preds, confs, proba = [], [], [], []
for i in range(150):
    t = i % 3
    pt = 0.5 + ((i * 11) % 5) / 10
    if i % 4 == 0:
        row = [0.6 if x == (t + 1) % 3 else 0.2 for x in range(3)]
        pred = C[(t + 1) % 3]; conf = 0.6
    else:
        row = [pt if x == t else (1 - pt) / 2 for x in range(3)]
        pred = C[t]; conf = pt
    ys.append(C[t]); preds.append(pred); confs.append(conf); proba.append(row)
res['mc_cur'] = classification(ys, preds, confs, proba=np.array(proba), labels=C)

# reg, current: events 0..100 (100 is y = 0 predicted exactly), 101..104 invalid labels.
def reg(rng, f):
    y = [0.0 if i == 100 else float(1 + i % 17) for i in rng]
    yhat = [0.0 if i == 100 else f(i) for i in rng]
    return {'mae': mean_absolute_error(y, yhat), 'rmse': root_mean_squared_error(y, yhat),
            'mape': mean_absolute_percentage_error(y, yhat), 'n': len(y)}
res['reg_cur'] = reg(range(101), lambda i: (1 + i % 17) * 1.1 + ((i % 3) - 1) * 0.5)
res['reg_ref'] = reg(range(100), lambda i: (1 + i % 17) + ((i % 3) - 1) * 0.1)

print(json.dumps(res, indent=1, default=float))
