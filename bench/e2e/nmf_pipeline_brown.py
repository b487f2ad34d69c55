#!/usr/bin/env python3
"""The scikit-learn user's check: the same GridSearchCV pipeline with
strata.NMF and with sklearn.decomposition.NMF swapped in, on the bundled
Brown corpus (500 documents, 15 genres).

    TfidfVectorizer(stop_words='english', min_df=2) -> NMF(n_components) ->
    LogisticRegression, n_components in {10, 20, 40}, C in {1, 10, 100},
    3-fold GridSearchCV on a stratified 75% split, accuracy on the other 25%.

Every other part of the pipeline is scikit-learn's, so any difference comes
from the NMF: its W is what the classifier sees, so a W on another scale
(unbalanced factors) shows up here even when the reconstruction is as good.

    /usr/bin/python3 bench/e2e/nmf_pipeline_brown.py --seeds 3 --out bench/results/nmf_pipeline.md
"""
import argparse
import csv
import gzip
import os
import platform
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

from sklearn.decomposition import NMF as SklearnNMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

warnings.filterwarnings("ignore")


def brown(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r[2] for r in rows], np.array([r[1] for r in rows])


def score(nmf_class, texts, labels, seed):
    train_x, test_x, train_y, test_y = train_test_split(texts, labels, test_size=0.25, stratify=labels,
                                                        random_state=seed)
    pipeline = Pipeline([("tfidf", TfidfVectorizer(stop_words="english", min_df=2)),
                         ("nmf", nmf_class(init="nndsvda", max_iter=400, random_state=seed)),
                         ("lr", LogisticRegression(max_iter=2000))])
    grid = GridSearchCV(pipeline, {"nmf__n_components": [10, 20, 40], "lr__C": [1, 10, 100]}, cv=3)
    start = time.perf_counter()
    grid.fit(train_x, train_y)
    seconds = time.perf_counter() - start
    return grid.score(test_x, test_y), grid.best_params_, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build", help="build folder holding python/ (default build)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", help="write the table here (markdown)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(ROOT, args.build, "python"))
    import strata

    texts, labels = brown(os.path.join(ROOT, "data", "brown.tsv.gz"))
    rows = []
    for seed in range(args.seeds):
        for name, cls in (("strata", strata.NMF), ("scikit-learn", SklearnNMF)):
            accuracy, best, seconds = score(cls, texts, labels, seed)
            rows.append((seed, name, accuracy, best, seconds))
            print(f"seed {seed} {name:12s} accuracy {accuracy:.3f} best {best} {seconds:.1f} s", flush=True)
    mean = {name: np.mean([r[2] for r in rows if r[1] == name]) for name in ("strata", "scikit-learn")}
    lines = ["# NMF -> LogisticRegression in GridSearchCV on Brown: strata.NMF against scikit-learn's", "",
             "    /usr/bin/python3 bench/e2e/nmf_pipeline_brown.py --seeds %d --out %s" % (args.seeds, args.out), "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}. "
             "TfidfVectorizer(stop_words='english', min_df=2) -> NMF(init='nndsvda', max_iter=400) -> "
             "LogisticRegression; grid n_components {10, 20, 40} x C {1, 10, 100}, 3-fold CV on a stratified 75% "
             "split; accuracy on the other 25% (125 documents, 15 genres).", "",
             "| seed | NMF | test accuracy | chosen | seconds (grid search) |", "|---|---|---|---|---|"]
    for seed, name, accuracy, best, seconds in rows:
        chosen = f"k={best['nmf__n_components']}, C={best['lr__C']}"
        lines.append(f"| {seed} | {name} | {accuracy:.3f} | {chosen} | {seconds:.1f} |")
    lines += ["", f"Mean accuracy: strata {mean['strata']:.3f}, scikit-learn {mean['scikit-learn']:.3f} "
              f"(difference {mean['strata'] - mean['scikit-learn']:+.3f})."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
