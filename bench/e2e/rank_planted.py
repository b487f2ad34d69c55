#!/usr/bin/env python3
"""strata rank (NMFk): selected vs planted k, the time of a full sweep, and the Brown corpus.

  /usr/bin/python3 bench/e2e/rank_planted.py [--out bench/results/rank.md] [--threads 2]
      [--planted 3,6,9,12,15] [--overlaps 0,0.3] [--seeds 0,1,2] [--brown data/brown.tsv.gz]

1. Timing: a planted-topics matrix of 1,000 documents x 600 terms (k = 8),
   `strata rank --k 2:15 --perturbations 20 --threads 2`: wall time of the command.
2. Accuracy: planted topics (1,000 x 600, mean document length 150) with k in
   --planted, well separated (overlap 0) and overlapping (overlap 0.3), several
   seeds; `strata rank --k 2:15` (2:18 when the planted k is 15, so that the
   range extends past it); selected k against the planted k.
3. The bundled Brown corpus (500 documents, 15 genres), vectorized as in
   scripts/demo.sh, `--k 2:20`: the selected k, its curve, its topics and
   how the genres fall into them.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.platform()}"


def run(cli, *args):
    start = time.perf_counter()
    r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"strata failed: {' '.join(map(str, args))}\n{r.stderr}")
    return time.perf_counter() - start


def generate(cli, out, k, overlap, seed):
    run(cli, "generate", "topics", "--documents", 1000, "--terms", 600, "--topics", k, "--overlap", overlap,
        "--doc-length", 150, "--seed", seed, "-o", out, "-q")
    return os.path.join(out, "corpus.strata")


def curve_table(metrics):
    lines = ["| k | silhouette min H | silhouette mean H | silhouette min W | silhouette mean W | relative error | seconds |",
             "|---|---|---|---|---|---|---|"]
    for c in metrics["curve"]:
        mark = " **selected**" if c["k"] == metrics["selected_k"] else ""
        lines.append(f"| {c['k']}{mark} | {c['silhouette_min']['H']:.3f} | {c['silhouette_mean']['H']:.3f} | "
                     f"{c['silhouette_min']['W']:.3f} | {c['silhouette_mean']['W']:.3f} | "
                     f"{c['relative_error']:.4f} | {c['seconds']:.2f} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=None, help="write the Markdown report here (default: print)")
    p.add_argument("--cli", default=os.path.join(REPO, "build", "bin", "strata"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--planted", default="3,6,9,12,15")
    p.add_argument("--overlaps", default="0,0.3")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--brown", default=os.path.join(REPO, "data", "brown.tsv.gz"))
    a = p.parse_args()
    cli = a.cli
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.strip()
    report = ["# strata rank (NMFk): planted k, timing, Brown corpus", "",
              f"Machine: {machine()}  ", f"{version}, threads {a.threads}  ",
              "Command: `/usr/bin/python3 bench/e2e/rank_planted.py " + " ".join(sys.argv[1:]) + "`", ""]
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Timing of a full sweep.
        corpus = generate(cli, os.path.join(tmp, "timing"), 8, 0.0, 0)
        out = os.path.join(tmp, "timing_model")
        seconds = run(cli, "rank", corpus, "--k", "2:15", "--perturbations", 20, "--threads", a.threads, "--seed", 0,
                      "-o", out, "-q")
        metrics = json.load(open(os.path.join(out, "metrics.json")))
        report += ["## Timing: k = 2..15, 20 perturbations, 1,000 x 600", "",
                   f"`strata generate topics --documents 1000 --terms 600 --topics 8 --doc-length 150 --seed 0`, then "
                   f"`strata rank corpus.strata --k 2:15 --perturbations 20 --threads {a.threads} --seed 0`:", "",
                   f"**{seconds:.1f} s** wall time for the command (280 NMF fits, clustering, silhouettes, the "
                   f"centroid refits and the final model); selected k = {metrics['selected_k']} (planted 8).", "",
                   curve_table(metrics), ""]
        print(f"timing: {seconds:.1f} s, selected {metrics['selected_k']}", file=sys.stderr)

        # 2. Selected vs planted k.
        rows = ["| planted k | overlap | seed | --k | selected k | status | min silhouette H at planted k | "
                "at planted k + 1 | mean silhouette H at planted k | at planted k + 1 | seconds |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        hits = total = 0
        for k in [int(v) for v in a.planted.split(",")]:
            for overlap in [float(v) for v in a.overlaps.split(",")]:
                for seed in [int(v) for v in a.seeds.split(",")]:
                    corpus = generate(cli, os.path.join(tmp, f"p{k}_{overlap}_{seed}"), k, overlap, seed)
                    out = os.path.join(tmp, f"m{k}_{overlap}_{seed}")
                    k_range = "2:15" if k < 15 else "2:18"
                    seconds = run(cli, "rank", corpus, "--k", k_range, "--perturbations", 20, "--threads", a.threads,
                                  "--seed", seed, "-o", out, "-q")
                    m = json.load(open(os.path.join(out, "metrics.json")))
                    sil = {c["k"]: c["silhouette_min"]["H"] for c in m["curve"]}
                    mean = {c["k"]: c["silhouette_mean"]["H"] for c in m["curve"]}
                    hits += m["selected_k"] == k
                    total += 1
                    rows.append(f"| {k} | {overlap:g} | {seed} | {k_range} | {m['selected_k']} | "
                                f"{m['selection_status']} | {sil[k]:.3f} | "
                                f"{sil.get(k + 1, float('nan')):.3f} | {mean[k]:.3f} | "
                                f"{mean.get(k + 1, float('nan')):.3f} | {seconds:.1f} |")
                    print(f"planted {k} overlap {overlap} seed {seed}: selected {m['selected_k']} ({seconds:.1f} s)",
                          file=sys.stderr)
        report += ["## Selected vs planted k", "",
                   "`strata generate topics --documents 1000 --terms 600 --topics K --overlap O --doc-length 150 "
                   "--seed S`, then `strata rank corpus.strata --k 2:15 --perturbations 20 --seed S` "
                   "(2:18 for K = 15).", "", f"**{hits} of {total}** runs select the planted k.", ""] + rows + [""]

        # 3. Brown, vectorized as scripts/demo.sh does.
        corpus = os.path.join(tmp, "brown.strata")
        run(cli, "vectorize", a.brown, "--format", "tsv", "--id-column", 1, "--label-column", 2, "--text-column", 3,
            "--stop-words", "english", "--min-df", 2, "--max-df", 0.5, "--window", 5, "-o", corpus, "-q")
        out = os.path.join(tmp, "brown")
        seconds = run(cli, "rank", corpus, "--k", "2:20", "--perturbations", 20, "--threads", a.threads,
                      "--seed", 1, "-o", out, "-q")
        m = json.load(open(os.path.join(out, "metrics.json")))
        topics = subprocess.run([cli, "topics", out, "--top", "10"], capture_output=True, text=True).stdout
        report += ["## The Brown corpus", "",
                   "`strata vectorize data/brown.tsv.gz --format tsv --id-column 1 --label-column 2 --text-column 3 "
                   "--stop-words english --min-df 2 --max-df 0.5 --window 5 -o brown.strata` (as scripts/demo.sh), "
                   f"then `strata rank brown.strata --k 2:20 --perturbations 20 --threads {a.threads} --seed 1 -o DIR`: "
                   f"**{seconds:.1f} s**, selected k = **{m['selected_k']}** ({m['selection_status']}).", "",
                   curve_table(m), "", "Topics of the selected model (`strata topics DIR --top 10`):", "", "```",
                   topics.rstrip(), "```", ""]
        # Which genres each topic takes (documents by their largest weight).
        import numpy as np
        W = np.load(os.path.join(out, "W.npy"))
        labels = open(os.path.join(out, "labels.txt")).read().split("\n")[:-1]
        genres = sorted(set(labels))
        report += ["Documents per genre and topic (argmax of W):", "",
                   "| genre | " + " | ".join(f"topic {t}" for t in range(W.shape[1])) + " |",
                   "|---|" + "---|" * W.shape[1]]
        for g in genres:
            counts = np.bincount(W[[i for i, l in enumerate(labels) if l == g]].argmax(1), minlength=W.shape[1])
            report.append(f"| {g} | " + " | ".join(str(c) for c in counts) + " |")
        report.append("")
        print(f"brown: selected {m['selected_k']} ({seconds:.1f} s)", file=sys.stderr)
    text = "\n".join(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
