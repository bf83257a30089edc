#!/usr/bin/python3
"""scikit-learn with kepler-model-server's settings, on the folds we export.

Benchmark only (Debian's python3-sklearn and python3-scipy; never a
dependency of the project). Run by `deno task bench sklearn-compare`
(bench/sklearn_compare_bench.ts), which writes the input JSON: for every
dataset the training rows' feature columns, each component's labels and main
feature, and the blocked CV folds (train/test row indices) our own CV used.

For each upstream trainer (XgboostFit left out: no xgboost in Debian's
Python) and fold, fits upstream's estimator on the fold's training rows with
upstream's MaxAbsScaler and writes the MAE on its test rows:
    {"<dataset>": {"<trainer>": {"<component>": [mae per fold]}}}
A fit that fails is recorded as null (as upstream skips the model).

Usage: sklearn_compare.py <input.json> <output.json>
"""
import json
import sys
import warnings

import numpy as np
from scipy.optimize import curve_fit
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression, SGDRegressor
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, PolynomialFeatures
from sklearn.svm import SVR

warnings.filterwarnings("ignore")

# kepler-model-server src/kepler_model/train/trainer/*/main.py
SCIKIT = {
    "PolynomialRegressionTrainer": lambda: make_pipeline(
        PolynomialFeatures(degree=2), LinearRegression()),
    "GradientBoostingRegressorTrainer": lambda: GradientBoostingRegressor(
        n_estimators=100, max_depth=3, learning_rate=0.1),
    "KNeighborsRegressorTrainer": lambda: KNeighborsRegressor(n_neighbors=6),
    "LinearRegressionTrainer": lambda: LinearRegression(positive=True),
    "SVRRegressorTrainer": lambda: SVR(C=1.0, epsilon=0.2),
    "SGDRegressorTrainer": lambda: SGDRegressor(max_iter=1000),
}


def logarithmic(x, a, b, c):
    return a * np.log(b * x + 1) + c


def logistic(x, A, x0, k, off):
    return A / (1 + np.exp(-k * (x - x0))) + off


def exponential(x, a, b, c):
    return a * np.exp(b * x) + c


def p0_log(y):
    return [np.max(y) - np.min(y), 1, np.min(y)]


def p0_logistic(y):
    A = np.max(y) - np.min(y)
    return [A, 0.5, A // np.std(y) if np.std(y) > 0 else 1, np.min(y)]


def p0_exp(y):
    a = (np.max(y) - np.min(y)) // np.e
    return [a, 1, np.min(y) - a]


CURVES = {
    "LogarithmicRegressionTrainer": (logarithmic, p0_log),
    "LogisticRegressionTrainer": (logistic, p0_logistic),
    "ExponentialRegressionTrainer": (exponential, p0_exp),
}


def fold_mae(name, x, y, main, train, test):
    scaler = MaxAbsScaler().fit(x[train])
    xs_train, xs_test = scaler.transform(x[train]), scaler.transform(x[test])
    if name in SCIKIT:
        model = SCIKIT[name]().fit(xs_train, y[train])
        pred = model.predict(xs_test)
    else:
        f, p0 = CURVES[name]
        params, _ = curve_fit(f, xs_train[:, main], y[train],
                              p0=p0(y[train]), maxfev=30000)
        pred = f(xs_test[:, main], *params)
    if not np.all(np.isfinite(pred)):
        return None
    return float(np.mean(np.abs(y[test] - pred)))


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    out = {}
    for ds in data["datasets"]:
        x = np.array(ds["x"], dtype=float).T
        res = {}
        for name in list(SCIKIT) + list(CURVES):
            per = {}
            for comp, c in ds["components"].items():
                y = np.array(c["y"], dtype=float)
                maes = []
                for fold in ds["folds"]:
                    try:
                        maes.append(fold_mae(name, x, y, c["main"],
                                             np.array(fold["train"]),
                                             np.array(fold["test"])))
                    except Exception:  # upstream skips a model that fails
                        maes.append(None)
                per[comp] = maes
            res[name] = per
        out[ds["name"]] = res
        print(f"sklearn-compare: {ds['name']} done", file=sys.stderr)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
