#!/usr/bin/env python3
"""Speed of one Neural NMF epoch through the CLI (SPEC 3.4's target: under
0.5 s on 1,000 documents x 5,000 terms with ranks [10, 6], 2 threads; the
published Python package takes 17 s to 275 s per epoch at this size).

Data: `strata generate hierarchy --documents 1000 --terms 5000 --ranks 10,6
--noise poisson --doc-length 200` (raw counts). An epoch is one forward pass
(exact NNLS of every document at every layer), one backward pass and the
update; for pgd it includes every backtracking forward pass. Epoch times are
the differences of the history timestamps in metrics.json (the sequential fit
that initializes the factors is excluded). Standard library only, so it runs
wherever the CLI does.

  /usr/bin/python3 bench/e2e/hnmf_speed.py --strata build/bin/strata --out bench/results/hnmf_speed.md
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/bin/strata")
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--terms", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hnmf_speed_")
    data = os.path.join(tmp, "data")
    subprocess.run([a.strata, "generate", "hierarchy", "--documents", str(a.documents), "--terms", str(a.terms),
                    "--ranks", "10,6", "--noise", "poisson", "--doc-length", "200", "--seed", "0", "-o", data, "-q"],
                   check=True)
    corpus = os.path.join(data, "corpus.strata")
    with open(os.path.join(data, "labels_layer1.txt"), encoding="utf-8") as f:
        top = f.read().splitlines()
    rng = random.Random(0)
    labels = os.path.join(tmp, "labels60.txt")
    with open(labels, "w", encoding="utf-8") as f:
        f.write("\n".join(t if rng.random() < 0.6 else "" for t in top) + "\n")
    rows = []
    for loss in ("reconstruction", "energy"):
        for optimizer in ("pgd", "adam"):
            for supervised in (False, True):
                out = os.path.join(tmp, f"{loss}_{optimizer}_{supervised}")
                cmd = [a.strata, "hnmf", corpus, "--ranks", "10,6", "--method", "neural", "--loss", loss,
                       "--optimizer", optimizer, "--epochs", str(a.epochs), "--tol", "0", "--threads", str(a.threads),
                       "-o", out, "-q"]
                if supervised:
                    cmd += ["--labels", labels]
                subprocess.run(cmd, check=True)
                with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
                    m = json.load(f)
                t = [h["seconds"] for h in m["history"]]
                per_epoch = [b - c for b, c in zip(t[1:], t[:-1])]
                rows.append((loss, optimizer, "60% labels" if supervised else "none", len(per_epoch),
                             statistics.median(per_epoch), max(per_epoch), m["layers"][-1]["relative_error"],
                             t[0]))
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        nnz = json.load(f)["input"]["nnz"]
    lines = ["# Neural NMF: seconds per epoch", ""]
    lines.append(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
                 f"threads {a.threads}, load average at the end {os.getloadavg()[0]:.1f}  ")
    lines.append(f"Data: `strata generate hierarchy --documents {a.documents} --terms {a.terms} --ranks 10,6 "
                 f"--noise poisson --doc-length 200 --seed 0` ({nnz} nonzeros); ranks [10, 6]  ")
    lines.append("Command: `/usr/bin/python3 bench/e2e/hnmf_speed.py " + " ".join(sys.argv[1:]) + "`")
    lines += ["", "| cost | optimizer | supervision | epochs | median s/epoch | max s/epoch | final relative error "
              "| sequential init (s) |", "|---|---|---|---|---|---|---|---|"]
    for loss, opt, sup, n, med, mx, err, init in rows:
        lines.append(f"| {loss} | {opt} | {sup} | {n} | {med:.4f} | {mx:.4f} | {err:.4f} | {init:.3f} |")
    lines += ["", "Target: < 0.5 s per epoch. pgd epochs include their backtracking forward passes."]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
