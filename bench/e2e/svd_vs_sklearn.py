#!/usr/bin/env python3
"""Truncated SVD, k = 50, on a real TF-IDF corpus: strata (Lanczos, randomized)
against scikit-learn's TruncatedSVD (arpack, randomized n_iter=5), with the
singular values checked against scipy.sparse.linalg.svds (ARPACK, tol=0).

Corpus: bench/data/chunks.tsv (bench/e2e/make_nmf_corpus.py), TF-IDF by
scikit-learn's TfidfVectorizer(stop_words='english', min_df=5, max_df=0.5),
saved once with strata.save_corpus and reused.

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/svd_vs_sklearn.py --out bench/results/svd.md
"""
import argparse
import os
import platform
import shlex
import sys
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.sparse.linalg import svds
from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

import strata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")


def corpus(cache):
    if os.path.exists(cache):
        return strata.load_corpus(cache).matrix.tocsr()
    with open(os.path.join(DATA, "chunks.tsv"), encoding="utf-8") as f:
        docs = [line.rstrip("\n").split("\t", 2)[2] for line in f]
    vec = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5)
    X = vec.fit_transform(docs).tocsr()
    strata.save_corpus(cache, X, vocabulary=list(vec.get_feature_names_out()), weighting="tfidf")
    return X


def best_of(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", default=os.path.join(DATA, "chunks_svd.strata"))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    X = corpus(a.cache)
    k = a.k
    rows = []
    with threadpool_limits(a.threads):
        t_ref, (_, s_ref, _) = best_of(lambda: svds(X, k, tol=0, random_state=0), 1)
        s_ref = np.sort(s_ref)[::-1]

        def sk(alg, **kw):
            m = SkTruncatedSVD(k, algorithm=alg, random_state=0, **kw)
            m.fit(X)
            return m.singular_values_

        for name, fn in [
            ("scikit-learn TruncatedSVD arpack (tol=0)", lambda: sk("arpack")),
            ("scikit-learn TruncatedSVD randomized, n_iter=5", lambda: sk("randomized", n_iter=5)),
            ("strata TruncatedSVD lanczos (tol=0 -> 1e-12)",
             lambda: strata.TruncatedSVD(k, algorithm="lanczos", threads=a.threads, random_state=0)
             .fit(X).singular_values_),
            ("strata TruncatedSVD lanczos, tol=1e-8",
             lambda: strata.TruncatedSVD(k, algorithm="lanczos", tol=1e-8, threads=a.threads, random_state=0)
             .fit(X).singular_values_),
            ("strata TruncatedSVD lanczos, tol=1e-4",
             lambda: strata.TruncatedSVD(k, algorithm="lanczos", tol=1e-4, threads=a.threads, random_state=0)
             .fit(X).singular_values_),
            ("strata TruncatedSVD randomized, n_iter=5",
             lambda: strata.TruncatedSVD(k, algorithm="randomized", n_iter=5, threads=a.threads, random_state=0)
             .fit(X).singular_values_),
        ]:
            t, s = best_of(fn, a.repeats)
            rows.append((name, t, float(np.max(np.abs(s / s_ref - 1)))))
            print(f"{name}: {t:.2f} s, max relative error {rows[-1][2]:.2e}", flush=True)
    fastest_sk = min(t for n, t, _ in rows if n.startswith("scikit"))
    lines = [
        "# Truncated SVD: strata vs scikit-learn",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}  ",
        f"scikit-learn {sklearn.__version__}, scipy {__import__('scipy').__version__}, strata {strata.__version__}, "
        f"threads {a.threads}  ",
        f"Corpus: `bench/data/chunks.tsv`, TF-IDF (TfidfVectorizer stop_words='english', min_df=5, max_df=0.5) "
        f"{X.shape[0]} documents x {X.shape[1]} terms, {X.nnz} nonzeros  ",
        f"k = {k}; best of {a.repeats} runs; reference singular values: `scipy.sparse.linalg.svds(X, {k}, tol=0)` "
        f"({t_ref:.2f} s)  ",
        f"Command: `PYTHONPATH=build/python /usr/bin/python3 bench/e2e/svd_vs_sklearn.py {shlex.join(sys.argv[1:])}`",
        "",
        "| method | seconds | speed-up vs faster scikit-learn | max relative error of s vs svds |",
        "|---|---|---|---|",
    ]
    for name, t, err in rows:
        lines.append(f"| {name} | {t:.2f} | {fastest_sk / t:.1f}x | {err:.1e} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
