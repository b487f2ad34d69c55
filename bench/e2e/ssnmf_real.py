#!/usr/bin/env python3
"""SSNMF as a classifier on real labelled text, against linear models.

For each corpus (a TSV id<TAB>label<TAB>text, vectorized by `strata vectorize
--stop-words english --min-df 2`, tf-idf), a random 60% of the documents keep
their label and the other 40% are hidden; every method sees the whole matrix
and the labels of the 60%, and is scored by its accuracy on the hidden 40%:

  ssnmf    strata.SSNMF() with its defaults: k and lambda chosen by 3-fold
           cross-validation over the labeled documents; classes from fold-in codes
  ssnmf-1split  (--single-split) strata.SSNMF(folds=1): the previous rule, k and
           lambda chosen on one validation split of 20% of the labeled documents
  ssnmf-joint  the same k and lambda with the papers' rule (fitted W, joint B)
  lr       LogisticRegression (C=1) on tf-idf
  nmf+lr   strata.NMF(k) on all documents (k = SSNMF's chosen k), then
           LogisticRegression on the labeled documents' codes
  nmf+lr-std  the same codes standardized per column (StandardScaler) before
           LogisticRegression: C = 1 on raw codes of small scale regularizes hard
  svm      LinearSVC (C=1) on tf-idf

  /usr/bin/python3 bench/e2e/ssnmf_real.py --corpus debian=PATH.tsv --corpus pydoc=PATH.tsv ... --out FILE.md

Corpora default to bench/data/real/*.tsv when that directory exists.
"""
import argparse
import glob
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", action="append", default=[], help="NAME=PATH.tsv (id, label, text)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory (bin/strata, python/)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--corpus-seeds", action="append", default=[],
                    help="NAME=N: N splits for that corpus instead of --seeds (for the costly ones)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--single-split", action="store_true",
                    help="also run the previous rule, SSNMF(folds=1): one validation split")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.build, "python"))
    import strata
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC
    import sklearn

    corpora = [c.split("=", 1) for c in a.corpus]
    if not corpora:
        corpora = [(os.path.splitext(os.path.basename(p))[0], p)
                   for p in sorted(glob.glob(os.path.join(ROOT, "bench", "data", "real", "*.tsv")))]
    cli = os.path.join(a.build, "bin", "strata")
    corpus_seeds = dict((n, int(v)) for n, v in (c.split("=", 1) for c in a.corpus_seeds))
    rows = []
    tmp = tempfile.mkdtemp()
    for name, path in corpora:
        corpus_file = os.path.join(tmp, name + ".strata")
        subprocess.run([cli, "vectorize", path, "--format", "tsv", "--id-column", "1", "--label-column", "2",
                        "--text-column", "3", "--stop-words", "english", "--min-df", "2", "-o", corpus_file, "-q"],
                       check=True)
        c = strata.load_corpus(corpus_file)
        X, y = c.matrix.tocsr(), np.array(c.labels)
        classes = np.unique(y)
        res = {m: [] for m in ("ssnmf", "ssnmf-1split", "ssnmf-joint", "lr", "nmf+lr", "nmf+lr-std", "svm")}
        secs = {m: [] for m in res}
        info = {}
        for seed in range(corpus_seeds.get(name, a.seeds)):
            rng = np.random.RandomState(seed)
            hidden = np.zeros(len(y), bool)
            hidden[rng.permutation(len(y))[: int(round(0.4 * len(y)))]] = True
            y_seen = np.where(hidden, "", y)

            def timed(method, fn):
                t = time.time()
                pred = fn()
                secs[method].append(time.time() - t)
                res[method].append(float(np.mean(pred == y[hidden])))

            model = {}

            def ssnmf():
                model["m"] = strata.SSNMF(random_state=seed, threads=a.threads).fit(X, y_seen)
                return model["m"].transduction_[hidden]
            timed("ssnmf", ssnmf)
            m = model["m"]
            info.setdefault("k", []).append(m.n_components_)
            info.setdefault("lam", []).append(next(
                (e["lambda_multiple"] for e in m.selection_ if e["k"] == m.n_components_ and
                 np.isclose(e["lambda"], m.lambda_)), float("nan")))
            info.setdefault("val", []).append(m.validation_accuracy_)
            if a.single_split:
                def single():
                    s1 = strata.SSNMF(random_state=seed, threads=a.threads, folds=1).fit(X, y_seen)
                    info.setdefault("k1", []).append(s1.n_components_)
                    return s1.transduction_[hidden]
                timed("ssnmf-1split", single)
            timed("ssnmf-joint", lambda: strata.SSNMF(m.n_components_, lam=m.lambda_, validation=0, classifier="joint",
                                                      random_state=seed, threads=a.threads).fit(X, y_seen)
                  .transduction_[hidden])
            timed("lr", lambda: LogisticRegression(max_iter=2000).fit(X[~hidden], y[~hidden]).predict(X[hidden]))

            codes = {}

            def nmf_lr():
                codes["W"] = W = strata.NMF(m.n_components_, random_state=seed, threads=a.threads).fit_transform(X)
                return LogisticRegression(max_iter=2000).fit(W[~hidden], y[~hidden]).predict(W[hidden])
            timed("nmf+lr", nmf_lr)

            def nmf_lr_std():  # the NMF fit is timed in nmf+lr
                lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
                return lr.fit(codes["W"][~hidden], y[~hidden]).predict(codes["W"][hidden])
            timed("nmf+lr-std", nmf_lr_std)
            timed("svm", lambda: LinearSVC().fit(X[~hidden], y[~hidden]).predict(X[hidden]))
        info["splits"] = corpus_seeds.get(name, a.seeds)
        rows.append((name, X.shape, len(classes), res, secs, info))
        print(name, X.shape, len(classes), {k: round(np.mean(v), 3) for k, v in res.items()}, info, flush=True)

    def fmt(v):
        return f"{np.mean(v):.3f}" + (f" ± {np.std(v):.3f}" if len(v) > 1 else "")
    out = ["# SSNMF on real corpora: accuracy on the unlabeled documents", "",
           "    /usr/bin/python3 bench/e2e/ssnmf_real.py " + " ".join(sys.argv[1:]), "",
           f"Machine: {platform.machine()}, {os.cpu_count()} cores visible, {a.threads} threads for strata "
           f"(shared with other work while it ran); Python {platform.python_version()}, numpy {np.__version__}, "
           f"scikit-learn {sklearn.__version__}.", "",
           f"60% of the labels given, accuracy on the other 40% ({a.seeds} random split(s), seeds 0..{a.seeds - 1}"
           + "".join(f"; {n}: {v} split(s)" for n, v in corpus_seeds.items()) + "; mean ± standard deviation). "
           "tf-idf from `strata vectorize --stop-words english --min-df 2`. ssnmf: `strata.SSNMF()` defaults "
           "(k among c, 4c, 16c and lambda among 0.1, 1, 10 x the balance value, chosen by 3-fold cross-validation "
           "over the labeled documents, best pooled accuracy; classes from fold-in codes with B refit); "
           + ("ssnmf-1split: `strata.SSNMF(folds=1)`, the previous rule (k and lambda chosen on one validation split "
              "of 20% of the labeled documents; its k in parentheses); " if a.single_split else "") +
           "ssnmf-joint: the same k and "
           "lambda, the papers' rule (fitted W, joint B); nmf+lr: strata.NMF with SSNMF's k, then "
           "LogisticRegression on the codes (nmf+lr-std: codes standardized first; the NMF fit is timed once, in "
           "nmf+lr); lr, svm: LogisticRegression, LinearSVC (C=1) on tf-idf. 'validation' is the "
           "accuracy SSNMF reports (pooled over the folds, each document scored by a fit that did not see its label). "
           "Seconds: median per split.",
           "",
           "| corpus | X | classes | k | lambda | ssnmf | validation | "
           + ("ssnmf-1split (k) | " if a.single_split else "") +
           "ssnmf-joint | lr | nmf+lr | nmf+lr-std | svm | svm - ssnmf | seconds (ssnmf / "
           + ("1split / " if a.single_split else "") + "joint / lr / nmf+lr / svm) |",
           "|---|---|---|---|---|---|---|" + ("---|" if a.single_split else "") + "---|---|---|---|---|---|---|"]
    for name, shape, nc, res, secs, info in rows:
        gap = np.mean(res["svm"]) - np.mean(res["ssnmf"])
        out.append(f"| {name} | {shape[0]} x {shape[1]} | {nc} | {'/'.join(map(str, info['k']))} | "
                   f"{'/'.join(f'{v:g}x' for v in info['lam'])} | {fmt(res['ssnmf'])} | {fmt(info['val'])} | "
                   + (f"{fmt(res['ssnmf-1split'])} ({'/'.join(map(str, info['k1']))}) | " if a.single_split else "") +
                   f"{fmt(res['ssnmf-joint'])} | {fmt(res['lr'])} | {fmt(res['nmf+lr'])} | {fmt(res['nmf+lr-std'])} | "
                   f"{fmt(res['svm'])} | "
                   f"{gap:+.3f} | " + " / ".join(f"{np.median(secs[m]):.1f}" for m in
                                                  ("ssnmf",) + (("ssnmf-1split",) if a.single_split else ()) +
                                                  ("ssnmf-joint", "lr", "nmf+lr", "svm")) + " |")
    text = "\n".join(out) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
