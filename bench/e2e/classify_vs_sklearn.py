#!/usr/bin/env python3
"""Semi-supervised classification of documents: strata.SSNMF against
scikit-learn pipelines, with a fraction of the labels given.

For each corpus and seed, a random 60% of the documents keep their label and
the other 40% are hidden; every method sees the whole tf-idf matrix (the
setting is transductive) and the labels of the 60%, and is scored by its
accuracy on the hidden 40%:

  ssnmf       strata.SSNMF(k), default lambda; transduction_ on the hidden docs
  svm         LinearSVC (C=1) on tf-idf, trained on the labeled docs
  nmf+lr      sklearn NMF(k, nndsvda) on all docs, LogisticRegression on the labeled W
  seq L0/L1   strata.HierarchicalNMF(ranks=[k, k/2], method='sequential') with the labels
              on the last layer; predictions read from layer 0 (k topics) and layer 1
  neural L0/L1  the same with method='neural' (Neural NMF)

Methods are entries of METHODS (name -> function(X, y_seen, hidden, k, seed) ->
predicted labels of the hidden docs), so another one (the hierarchical models)
is one more entry. A second part sweeps lambda as multiples of SSNMF's
default on one corpus, and a third times SSNMF with k = 100 on the chunks
corpus (tens of thousands of documents).

  /usr/bin/python3 bench/e2e/classify_vs_sklearn.py --methods ssnmf,svm,nmf+lr --out bench/results/ssnmf.md
  /usr/bin/python3 bench/e2e/classify_vs_sklearn.py --accuracy-only --seeds 3 --out bench/results/classify.md
"""
import argparse
import csv
import gzip
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "build", "python"))

import strata  # noqa: E402
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings("ignore", category=Warning, module="sklearn")
warnings.filterwarnings("ignore", message="Maximum number of iterations")

INFORMATIVE = set("abcdefghj")  # Brown categories A-J (the file id's second letter)


# ----------------------------------------------------------------- data --

def brown(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    texts = [r[2] for r in rows]
    genres = np.array([r[1] for r in rows])
    groups = np.array(["informative" if r[0][1] in INFORMATIVE else "imaginative" for r in rows])
    return texts, genres, groups


def spam(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            _, group, text = line.rstrip("\n").split("\t", 2)
            texts.append(text)
            labels.append("spam" if group.startswith("spam") else "ham")
    return texts, np.array(labels)


def chunks(path, spam_path):
    """chunks.tsv (id, source line of big.txt, text) labeled by source: ham, spam
    (big.txt's first 6,046 lines are spam.tsv's mails, in order), sotu, brown, moby."""
    mail = spam(spam_path)[1]
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            _, source, text = line.rstrip("\n").split("\t", 2)
            s = int(source)
            texts.append(text)
            if s <= len(mail):
                labels.append(mail[s - 1])
            elif s <= len(mail) + 233:
                labels.append("sotu")
            elif s <= len(mail) + 233 + 500:
                labels.append("brown")
            else:
                labels.append("moby")
    return texts, np.array(labels)


def tfidf(texts):
    return TfidfVectorizer(min_df=2, max_df=0.5, stop_words="english", dtype=np.float64).fit_transform(texts).tocsr()


# -------------------------------------------------------------- methods --

def run_ssnmf(X, y_seen, hidden, k, seed, threads, **kw):
    model = strata.SSNMF(k, random_state=seed, threads=threads, **kw).fit(X, y_seen)
    return model.transduction_[hidden]


def run_svm(X, y_seen, hidden, k, seed, threads):
    labeled = ~hidden
    return LinearSVC(C=1.0).fit(X[labeled], y_seen[labeled]).predict(X[hidden])


def run_nmf_lr(X, y_seen, hidden, k, seed, threads):
    W = NMF(k, init="nndsvda", random_state=seed, max_iter=400).fit_transform(X)
    labeled = ~hidden
    return LogisticRegression(max_iter=2000).fit(W[labeled], y_seen[labeled]).predict(W[hidden])


_HNMF_FITS = {}


def hierarchical(method, layer):
    """strata.HierarchicalNMF(ranks=[k, k // 2], method) with the labels on the
    last layer; the prediction read from `layer` (0 = the k topics, 1 = the
    k // 2 super-topics). One fit per (data, seed, method) serves both layers."""
    def run(X, y_seen, hidden, k, seed, threads):
        key = (id(X), id(y_seen), seed, method, k)
        if key not in _HNMF_FITS:
            y = np.where(y_seen == "", None, y_seen)
            model = strata.HierarchicalNMF(ranks=[k, max(2, k // 2)], method=method, random_state=seed,
                                           threads=threads).fit(X, y)
            _HNMF_FITS.clear()
            _HNMF_FITS[key] = model.layer_transductions_
        return _HNMF_FITS[key][layer][hidden]
    return run


METHODS = {"ssnmf": run_ssnmf, "svm": run_svm, "nmf+lr": run_nmf_lr,
           "seq L0": hierarchical("sequential", 0), "seq L1": hierarchical("sequential", 1),
           "neural L0": hierarchical("neural", 0), "neural L1": hierarchical("neural", 1)}


def split(y, fraction_hidden, seed):
    rng = np.random.RandomState(seed)
    hidden = rng.rand(len(y)) < fraction_hidden
    y_seen = y.astype(object).copy()
    y_seen[hidden] = ""
    return y_seen, hidden


def compare(name, X, y, k, seeds, threads, methods, out):
    acc = {m: [] for m in methods}
    secs = {m: [] for m in methods}
    for seed in seeds:
        y_seen, hidden = split(y, 0.4, seed)
        for m in methods:
            start = time.perf_counter()
            pred = METHODS[m](X, y_seen, hidden, k, seed, threads)
            secs[m].append(time.perf_counter() - start)
            acc[m].append(float(np.mean(pred == y[hidden])))
        print(f"  {name} seed {seed}: " + ", ".join(f"{m} {acc[m][-1]:.3f}" for m in methods), file=sys.stderr)
    cells = [f"{np.mean(acc[m]):.3f} ± {np.std(acc[m]):.3f}" for m in methods]
    times = [f"{np.median(secs[m]):.2f}" for m in methods]
    majority = max(np.mean(y == c) for c in np.unique(y))
    out.append(f"| {name} | {X.shape[0]} x {X.shape[1]} | {len(np.unique(y))} | {k} | {majority:.3f} | "
               + " | ".join(cells) + " | " + " / ".join(times) + " |")
    return acc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brown", default=os.path.join(ROOT, "data", "brown.tsv.gz"))
    ap.add_argument("--spam", default=os.path.join(ROOT, "bench", "data", "spam.tsv"))
    ap.add_argument("--chunks", default=os.path.join(ROOT, "bench", "data", "chunks.tsv"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--accuracy-only", action="store_true", help="only the accuracy table (no lambda sweep, no timing)")
    ap.add_argument("--timing-only", action="store_true", help="only the SSNMF k = 100 timing on chunks.tsv")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    methods = args.methods.split(",")
    seeds = list(range(args.seeds))

    lines = ["# Semi-supervised classification: SSNMF and hierarchical NMF against scikit-learn", "",
             "    /usr/bin/python3 bench/e2e/classify_vs_sklearn.py " + " ".join(sys.argv[1:]), "",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
             f"{args.threads} threads for strata; Python {platform.python_version()}, numpy {np.__version__}, "
             f"scikit-learn {__import__('sklearn').__version__}.", "",
             "## Accuracy on the hidden 40% (60% of the labels given)", "",
             f"Mean ± standard deviation over {len(seeds)} random splits (seeds {seeds[0]}..{seeds[-1]}). "
             "tf-idf: `TfidfVectorizer(min_df=2, max_df=0.5, stop_words='english')` on all documents. "
             "ssnmf = strata.SSNMF(k) with the default lambda; svm = LinearSVC on tf-idf; "
             "nmf+lr = scikit-learn NMF(k) on all documents, then LogisticRegression on the labeled codes. "
             "'majority' is the share of the largest class. Seconds: median per split.", "",
             "| corpus | X | classes | k | majority | " + " | ".join(methods) + " | seconds (" +
             " / ".join(methods) + ") |",
             "|---|---|---|---|---|" + "---|" * len(methods) + "---|"]

    if args.timing_only:
        lines = lines[:5]
        time_ssnmf(args, lines)
        return finish(lines, args.out)
    texts, genres, groups = brown(args.brown)
    Xb = tfidf(texts)
    compare("Brown, 15 genres", Xb, genres, 30, seeds, args.threads, methods, lines)
    compare("Brown, informative vs imaginative", Xb, groups, 15, seeds, args.threads, methods, lines)
    have_spam = os.path.exists(args.spam)
    if have_spam:
        stexts, slabels = spam(args.spam)
        Xs = tfidf(stexts)
        compare("SpamAssassin, ham vs spam", Xs, slabels, 20, seeds, args.threads, methods, lines)
    else:
        lines.append(f"(SpamAssassin skipped: {args.spam} not found)")

    if args.accuracy_only:
        return finish(lines, args.out)
    # lambda as multiples of the default, Brown 15 genres, k = 30.
    lines += ["", "## lambda: multiples of the default (Brown, 15 genres, k = 30)", "",
              "The default is 0.5 ||X||_F^2 / (0.5 n_labeled): both terms weigh the same at W = 0. "
              "Accuracy on the hidden 40%, mean over the same splits.", "",
              "| lambda / default | accuracy | relative error ||X - WH|| / ||X|| |", "|---|---|---|"]
    for factor in (0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0):
        accs, errs = [], []
        for seed in seeds:
            y_seen, hidden = split(genres, 0.4, seed)
            default = strata.SSNMF(30, max_iter=1, random_state=seed, threads=args.threads).fit(Xb, y_seen).lambda_
            model = strata.SSNMF(30, lam=factor * default, random_state=seed, threads=args.threads).fit(Xb, y_seen)
            accs.append(np.mean(model.transduction_[hidden] == genres[hidden]))
            errs.append(model.relative_error_)
        lines.append(f"| {factor:g} | {np.mean(accs):.3f} | {np.mean(errs):.4f} |")
        print(f"  lambda x{factor:g}: {np.mean(accs):.3f}", file=sys.stderr)

    if not args.skip_timing and os.path.exists(args.chunks) and have_spam:
        time_ssnmf(args, lines)

    finish(lines, args.out)


def time_ssnmf(args, lines):
    """SSNMF with k = 100 on the chunks corpus (tens of thousands of documents)."""
    ctexts, clabels = chunks(args.chunks, args.spam)
    Xc = tfidf(ctexts)
    y_seen, hidden = split(clabels, 0.4, 0)
    lines += ["", "## Time: SSNMF with k = 100 on tens of thousands of documents", "",
              "chunks.tsv (bench/e2e/make_nmf_corpus.py: big.txt cut into 150-token chunks), labeled by "
              "source (ham, spam, sotu, brown, moby), 60% of the labels given; "
              "tf-idf: `TfidfVectorizer(min_df=2, max_df=0.5, stop_words='english')`. "
              "Fit time of `strata.SSNMF(100, threads=...)` (default solver hals, tol 1e-4, max_iter 200), "
              "vectorizing not included.", "",
              "| X | nnz | threads | iterations | status | seconds | seconds / iteration | hidden accuracy | "
              "relative error |", "|---|---|---|---|---|---|---|---|---|"]
    start = time.perf_counter()
    model = strata.SSNMF(100, random_state=0, threads=args.threads).fit(Xc, y_seen)
    wall = time.perf_counter() - start
    acc = np.mean(model.transduction_[hidden] == clabels[hidden])
    lines.append(f"| {Xc.shape[0]} x {Xc.shape[1]} | {Xc.nnz} | {args.threads} | {model.n_iter_} | "
                 f"{model.status_} | {wall:.1f} | {wall / max(model.n_iter_, 1):.3f} | {acc:.3f} | "
                 f"{model.relative_error_:.4f} |")
    print(f"  chunks k=100: {wall:.1f}s, {model.n_iter_} iterations, accuracy {acc:.3f}", file=sys.stderr)


def finish(lines, out):
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
