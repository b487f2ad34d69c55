#!/usr/bin/env python3
"""strata rank on real text: corpora made of c well-separated groups.

  /usr/bin/python3 bench/e2e/rank_real.py [--out bench/results/rank_real.md] [--threads 2]
      [--runs debian-descriptions:5,10,20,30 docs:5,10,20,30 docstrings:5,10 manpages:5]
      [--seeds 0,1,2] [--per-group 100] [--perturbations 20]

For every source, number of groups c and seed, bench/data/make_real_corpora.py
draws a mixture of c well-separated groups of real text (100 documents each;
Debian package descriptions by section, documentation files by package family,
Python standard-library docstrings by module, man pages by package; see that
script), `strata vectorize` makes its TF-IDF matrix (English stop words,
min-df 2), and `strata rank --k 2:K` (K = max(12, 2c), step 1 up to c = 10, else
2) chooses k with every criterion at once. The table gives what each
criterion chose, the selected k (the default criterion, mean-silhouette) and
whether it lies in [0.6 c, 1.6 c], the issue's target, with the wall time of
the command. The corpora need `make_real_corpora.py`'s inputs (see its
docstring); nothing is downloaded.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

from rank_planted import machine  # the same machine line as the planted-rank results

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CRITERIA = ["mean-silhouette", "min-silhouette", "cophenetic", "cross-validation", "coherence"]


def run(cmd):
    start = time.perf_counter()
    r = subprocess.run(list(map(str, cmd)), capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr}")
    return time.perf_counter() - start, r.stdout


def k_range(c):
    top = max(12, 2 * c)
    return f"2:{top}" if c <= 10 else f"2:{top}:2"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", default=os.path.join(REPO, "build", "bin", "strata"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", nargs="+",
                    default=["debian-descriptions:5,10,20,30", "docs:5,10,20,30", "docstrings:5,10", "manpages:5"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--per-group", type=int, default=100)
    ap.add_argument("--perturbations", type=int, default=20)
    ap.add_argument("--curves", default=None, help="also write every run's curve and choices here (JSON)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows, inside, total, curves = [], 0, 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.runs:
            source, cs = spec.split(":")
            for c in map(int, cs.split(",")):
                for seed in seeds:
                    tsv = os.path.join(tmp, f"{source}-{c}-{seed}.tsv")
                    run([sys.executable, os.path.join(REPO, "bench", "data", "make_real_corpora.py"), "--source", source,
                         "--groups", c, "--per-group", args.per_group, "--seed", seed, "-o", tsv])
                    with open(tsv + ".json") as f:
                        mix = json.load(f)
                    corpus = os.path.join(tmp, "x.strata")
                    run([args.cli, "vectorize", tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2,
                         "--text-column", 3, "--stop-words", "english", "--min-df", 2, "-o", corpus, "-q"])
                    out = os.path.join(tmp, "rank")
                    seconds, _ = run([args.cli, "rank", corpus, "--k", k_range(c), "--perturbations",
                                      args.perturbations, "--threads", args.threads, "--seed", seed, "-o", out, "-q"])
                    with open(os.path.join(out, "metrics.json")) as f:
                        m = json.load(f)
                    with open(os.path.join(out, "model.json")) as f:
                        shape = json.load(f)
                    chosen = {s["criterion"]: s["k"] for s in m["by_criterion"]}
                    curves.append({"source": source, "c": c, "seed": seed, "documents": mix["documents"],
                                   "groups": [g["group"] for g in mix["chosen"]], "curve": m["curve"],
                                   "by_criterion": m["by_criterion"], "selected_k": m["selected_k"]})
                    if args.curves:
                        with open(args.curves, "w") as f:
                            json.dump(curves, f, indent=1)
                    k = m["selected_k"]
                    ok = 0.6 * c <= k <= 1.6 * c
                    inside += ok
                    total += 1
                    rows.append((source, c, seed, mix["documents"], shape["shapes"]["H"][1],
                                 k_range(c), chosen, k, ok, seconds))
                    print(source, c, seed, chosen, k, "in range" if ok else "OUT", f"{seconds:.1f}s", flush=True)
    lines = ["# strata rank on real text: mixtures of c well-separated groups", "",
             f"Machine: {machine()}  ",
             f"Command: `/usr/bin/python3 bench/e2e/rank_real.py {' '.join(sys.argv[1:])}`".rstrip() + "  ",
             f"strata rank defaults (20 perturbations, criterion mean-silhouette, mean threshold 0.9), "
             f"--perturbations {args.perturbations}, --threads {args.threads}", "",
             f"**{inside} of {total}** runs select a k in [0.6 c, 1.6 c].", "",
             "| source | c | seed | documents | terms | --k | " + " | ".join(CRITERIA) +
             " | selected | in [0.6c, 1.6c] | seconds |",
             "|---|---|---|---|---|---|" + "---|" * len(CRITERIA) + "---|---|---|"]
    for source, c, seed, docs, terms, ks, chosen, k, ok, seconds in rows:
        lines.append(f"| {source} | {c} | {seed} | {docs} | {terms} | {ks} | " +
                     " | ".join(str(chosen.get(x, "")) for x in CRITERIA) +
                     f" | **{k}** | {'yes' if ok else 'no'} | {seconds:.1f} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
