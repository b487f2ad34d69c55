#!/usr/bin/env python3
"""The slides' experiment (SPEC 3.4) on the planted 9 -> 4 -> 2 hierarchy:
relative reconstruction error of sequential hierarchical NMF, Deep NMF and
Neural NMF per depth, and semi-supervised accuracy with 40% of the documents
labeled at the top level, over several seeds.

Data: strata.datasets.make_hierarchy (1000 documents x 1500 terms, exact
X = W_0 H_0 by default). Unsupervised: one model per depth (ranks [9], [9, 4],
[9, 4, 2]), as in the slides' table; the error is the last layer's
||X - W_L T_L||_F / ||X||_F. Semi-supervised: the [9, 4, 2] model fit with
the top-level labels of a random 40% of the documents; accuracy is measured on
the other 60% (the model's predictions for its unlabeled training documents).

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/hnmf_planted.py --out bench/results/hnmf.md
"""
import argparse
import platform
import sys
import time

import numpy as np

import strata
from strata.datasets import make_hierarchy

METHODS = ("sequential", "deep", "neural")


def run(seed, args):
    d = make_hierarchy(n_documents=args.documents, n_terms=args.terms, ranks=(9, 4, 2), random_state=seed)
    X = d.X
    out = {"unsupervised": {}, "semi": {}}
    for depth in (1, 2, 3):
        ranks = [9, 4, 2][:depth]
        for method in METHODS:
            model = strata.HierarchicalNMF(ranks, method=method, epochs=args.epochs, random_state=seed,
                                           threads=args.threads)
            t = time.perf_counter()
            model.fit(X)
            out["unsupervised"][(depth, method)] = (model.layer_errors_[-1], time.perf_counter() - t)
    rng = np.random.default_rng(seed)
    top = np.asarray(d.labels[-1])
    labeled = rng.random(top.shape[0]) < args.labeled
    y = np.where(labeled, top, -1)
    for method in METHODS:
        model = strata.HierarchicalNMF([9, 4, 2], method=method, epochs=args.epochs, random_state=seed,
                                       threads=args.threads)
        model.fit(X, y)
        accuracy = float(np.mean(model.transduction_[~labeled] == top[~labeled]))
        out["semi"][method] = (model.layer_errors_, accuracy)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--terms", type=int, default=1500)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--labeled", type=float, default=0.4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    results = {seed: run(seed, args) for seed in args.seeds}

    lines = ["# Hierarchical NMF on the planted 9 -> 4 -> 2 hierarchy", ""]
    lines.append(f"Machine: {platform.machine()}, {platform.platform()}, threads {args.threads}  ")
    lines.append(f"Data: `make_hierarchy(n_documents={args.documents}, n_terms={args.terms}, ranks=(9, 4, 2))`, "
                 f"seeds {args.seeds}; {args.epochs} epochs (deep, neural), default options otherwise  ")
    lines.append("Command: `PYTHONPATH=build/python /usr/bin/python3 bench/e2e/hnmf_planted.py "
                 + " ".join(sys.argv[1:]) + "`")
    lines += ["", "## Unsupervised: relative error ||X - W_L T_L||_F / ||X||_F of a model per depth "
              "(mean over seeds, [min, max])", ""]
    lines.append("| layers | ranks | " + " | ".join(METHODS) + " |")
    lines.append("|---|---|" + "---|" * len(METHODS))
    for depth in (1, 2, 3):
        cells = []
        for method in METHODS:
            e = np.array([results[s]["unsupervised"][(depth, method)][0] for s in args.seeds])
            cells.append(f"{e.mean():.3f} [{e.min():.3f}, {e.max():.3f}]")
        lines.append(f"| {depth} | {[9, 4, 2][:depth]} | " + " | ".join(cells) + " |")
    lines += ["", "Per seed (layers 2 and 3): neural < sequential, and neural <= deep?", ""]
    lines.append("| seed | layers | sequential | deep | neural | neural < sequential | neural <= deep |")
    lines.append("|---|---|---|---|---|---|---|")
    for s in args.seeds:
        for depth in (2, 3):
            e = {m: results[s]["unsupervised"][(depth, m)][0] for m in METHODS}
            lines.append(f"| {s} | {depth} | {e['sequential']:.4f} | {e['deep']:.4f} | {e['neural']:.4f} | "
                         f"{'yes' if e['neural'] < e['sequential'] else 'NO'} | "
                         f"{'yes' if e['neural'] <= e['deep'] else 'NO'} |")
    lines += ["", f"## Semi-supervised: {args.labeled:.0%} of the documents labeled at the top level (2 classes), "
              "ranks [9, 4, 2]", "",
              "Relative error per layer (of the one [9, 4, 2] model) / accuracy on the unlabeled documents, "
              "mean over seeds [min accuracy]", ""]
    lines.append("| method | layer 0 | layer 1 | layer 2 | accuracy (unlabeled) |")
    lines.append("|---|---|---|---|---|")
    for method in METHODS:
        errors = np.array([results[s]["semi"][method][0] for s in args.seeds])
        acc = np.array([results[s]["semi"][method][1] for s in args.seeds])
        lines.append(f"| {method} | " + " | ".join(f"{v:.3f}" for v in errors.mean(axis=0)) +
                     f" | {acc.mean():.3f} [{acc.min():.3f}] |")
    lines += ["", "Seconds per fit (unsupervised, mean over seeds):", ""]
    lines.append("| layers | " + " | ".join(METHODS) + " |")
    lines.append("|---|" + "---|" * len(METHODS))
    for depth in (1, 2, 3):
        lines.append(f"| {depth} | " + " | ".join(
            f"{np.mean([results[s]['unsupervised'][(depth, m)][1] for s in args.seeds]):.2f}" for m in METHODS) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
