#!/usr/bin/python3
"""scikit-learn's fit times for upstream's SGD and SVR, on rows we write.

Benchmark only (Debian's python3-sklearn; never a dependency of the
project). Run by `deno task bench sklearn-speed`
(bench/sklearn_speed_bench.ts), which writes each dataset as raw
little-endian float64: `<name>.x` (row-major, n × p) and `<name>.y`.

For each job {name, p, model, runs} of the input JSON, fits upstream's
estimator after upstream's MaxAbsScaler 3 times untimed (as our side does),
then `runs` times, and writes the fit seconds of each run (wall clock, one
thread; the scaling is in the time, as it is in our trainers' fit) and, for
SGD, the epochs it ran:
    [{"name": ..., "model": ..., "seconds": [...], "epochs": n}]

Usage: sklearn_speed.py <input.json> <output.json>
"""
import json
import os
import sys
import time

import numpy as np
from sklearn.linear_model import SGDRegressor
from sklearn.preprocessing import MaxAbsScaler
from sklearn.svm import SVR

# kepler-model-server src/kepler_model/train/trainer/*/main.py
MODELS = {
    "SGDRegressorTrainer": lambda: SGDRegressor(max_iter=1000),
    "SVRRegressorTrainer": lambda: SVR(C=1.0, epsilon=0.2),
}


def main(argv):
    spec = json.load(open(argv[1]))
    folder = os.path.dirname(argv[1])
    out = []
    for job in spec["jobs"]:
        x = np.fromfile(os.path.join(folder, job["name"] + ".x"), "<f8")
        x = x.reshape(-1, job["p"])
        y = np.fromfile(os.path.join(folder, job["name"] + ".y"), "<f8")
        seconds, epochs = [], None
        for _ in range(3):  # warm-up, as on our side
            MODELS[job["model"]]().fit(MaxAbsScaler().fit_transform(x), y)
        for _ in range(job["runs"]):
            model = MODELS[job["model"]]()
            t0 = time.perf_counter()
            model.fit(MaxAbsScaler().fit_transform(x), y)
            seconds.append(time.perf_counter() - t0)
            if job["model"] == "SGDRegressorTrainer":
                epochs = int(model.n_iter_)
        out.append({"name": job["name"], "model": job["model"],
                    "seconds": seconds, "epochs": epochs})
    json.dump(out, open(argv[2], "w"))


if __name__ == "__main__":
    main(sys.argv)
