#!/usr/bin/env python3
"""NMF: strata against scikit-learn (and RcppML when R has it), same matrix, same run.

  /usr/bin/python3 bench/e2e/nmf_vs_peers.py [--corpus bench/data/chunks.tsv] [--out bench/results/nmf.md]

The corpus (bench/e2e/make_nmf_corpus.py) is turned into one TF-IDF matrix by
scikit-learn's TfidfVectorizer (stop_words='english', min_df=5, max_df=0.5),
saved as a strata corpus file, and given to every solver.

Frobenius, k = 50: scikit-learn NMF(solver='cd', init='nndsvd', max_iter=50, tol=0)
sets the target relative error ||X - WH||_F / ||X||_F; strata (HALS, NNDSVD init,
2 threads) runs until it reaches that error, and its time to the target is read
from its per-iteration history (seconds since fitting started, init included).
KL, k = 20: the target is scikit-learn's NMF(solver='mu', beta_loss='kullback-leibler',
init='nndsvda', max_iter=100, tol=0) divergence.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

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


def kl_divergence(X, W, H):
    X = X.tocsr()
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    wh = np.einsum("ij,ij->i", W[rows], H[:, X.indices].T)
    x = X.data
    return float(np.sum(x * np.log(x / wh)) - x.sum() + W.sum(axis=0) @ H.sum(axis=1))


def run_strata(cli, corpus, k, loss, init, max_iter, threads, out, extra=()):
    cmd = [cli, "nmf", corpus, "-k", str(k), "--loss", loss, "--init", init, "--tol", "0",
           "--max-iter", str(max_iter), "--threads", str(threads), "--seed", "0", "-o", out, "-q", *extra]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    with open(os.path.join(out, "metrics.json")) as f:
        return json.load(f), wall


R_SCRIPT = r"""
suppressMessages({library(Matrix); library(RcppML)})
args <- commandArgs(trailingOnly = TRUE)
A <- as(readMM(args[1]), "dgCMatrix")
setRcppMLthreads(as.integer(args[3]))
t <- system.time(m <- nmf(A, as.integer(args[2]), tol = 1e-12, maxit = 50, verbose = FALSE, seed = 1))[["elapsed"]]
W <- m$w %*% diag(m$d)
nx2 <- sum(A@x^2)
cross <- sum((A %*% t(m$h)) * W)
quad <- sum((crossprod(W)) * (m$h %*% t(m$h)))
cat(sprintf('{"seconds": %.6f, "relative_error": %.10f, "iterations": %d}\n', t, sqrt(max(nx2 - 2 * cross + quad, 0) / nx2), as.integer(m$iter)))
"""


def run_rcppml(X, k, threads, tmp):
    """RcppML 0.3.7 (R package r-cran-rcppml), 50 iterations; None when R or RcppML is missing."""
    import shutil
    import scipy.io
    if not shutil.which("Rscript"):
        return None
    if subprocess.run(["Rscript", "-e", "library(RcppML)"], capture_output=True).returncode != 0:
        return None
    mtx = os.path.join(tmp, "X.mtx")
    scipy.io.mmwrite(mtx, X)
    script = os.path.join(tmp, "rcppml.R")
    with open(script, "w") as f:
        f.write(R_SCRIPT)
    out = subprocess.run(["Rscript", script, mtx, str(k), str(threads)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb(cmd):
    """The maximum resident set of cmd, in MB, as GNU time (Debian's `time`) reports it. Not os.wait4 on a child
    of this process: Linux carries a process's peak across exec, so a child forked from this large interpreter
    would report the interpreter's size; time forks the command from its own small process."""
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, stderr=subprocess.PIPE, text=True).stderr
    return int(out.strip().splitlines()[-1]) * 1024 / 1e6


def time_to_target(history, key, target):
    for h in history:
        if h[key] is not None and h[key] <= target:
            return h["seconds"], h["iteration"]
    return None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(REPO, "bench", "data", "chunks.tsv"))
    ap.add_argument("--cli", default=os.path.join(REPO, "build", "bin", "strata"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--k-kl", type=int, default=20)
    ap.add_argument("--skip-kl", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="alternated runs of scikit-learn and strata (Frobenius)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(REPO, "build", "python"))
    import sklearn
    import strata
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    with open(args.corpus, encoding="utf-8") as f:
        docs = [line.rstrip("\n").split("\t")[-1] for line in f]
    X = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.5).fit_transform(docs).astype(np.float64)
    X = sp.csr_matrix(X)
    nx = sp.linalg.norm(X)
    tmp = tempfile.mkdtemp(prefix="strata-nmf-bench-")
    corpus = os.path.join(tmp, "X.strata")
    strata.save_corpus(corpus, X)
    lines = [f"# NMF: strata vs peers\n", f"Machine: {machine()}  ",
             f"scikit-learn {sklearn.__version__}, strata {strata.__version__}, threads {args.threads}  ",
             f"Corpus: `{os.path.relpath(args.corpus, REPO)}`, TF-IDF {X.shape[0]} documents x {X.shape[1]} terms, "
             f"{X.nnz} nonzeros  ",
             f"Command: `/usr/bin/python3 bench/e2e/nmf_vs_peers.py {' '.join(sys.argv[1:])}`\n"]

    # ---- Frobenius, k = 50
    # scikit-learn and strata alternate `repeats` times (the machine's speed
    # drifts between minutes); the ratio is that of the median times, and
    # every run is listed. Runs after the first stop strata at 40 iterations
    # (its time to the target is read from the history).
    k = args.k
    sk_times, st_times, st_iters, st_inits, st_per_iter = [], [], [], [], []
    for rep in range(args.repeats):
        t0 = time.perf_counter()
        sk = NMF(n_components=k, solver="cd", init="nndsvd", max_iter=50, tol=0, random_state=0)
        W = sk.fit_transform(X)
        sk_times.append(time.perf_counter() - t0)
        sk_err = sk.reconstruction_err_ / nx
        m, wall = run_strata(args.cli, corpus, k, "frobenius", "nndsvd", 100 if rep == 0 else 40, args.threads,
                             os.path.join(tmp, "fro%d" % rep))
        if rep == 0:
            metrics = m
        t, it = time_to_target(m["history"], "relative_error", sk_err)
        st_times.append(t if t is not None else float("nan"))
        st_iters.append(it)
        st_inits.append(m["history"][0]["seconds"])
        st_per_iter.append((m["history"][-1]["seconds"] - m["history"][0]["seconds"]) / max(m["iterations"] - 1, 1))
    sk_time, t_target = float(np.median(sk_times)), float(np.median(st_times))
    it_target = st_iters[0]
    lines += ["## Frobenius, k = %d\n" % k,
              "| solver | iterations | seconds (median of %d) | relative error |" % args.repeats, "|---|---|---|---|",
              f"| scikit-learn cd, nndsvd | 50 | {sk_time:.2f} | {sk_err:.6f} |",
              f"| strata hals, nndsvd, to scikit-learn's error | {it_target} | {t_target:.2f} | <= {sk_err:.6f} |",
              f"| strata hals, nndsvd, 100 iterations | {metrics['iterations']} | {metrics['seconds']:.2f} | "
              f"{metrics['relative_error']:.6f} |", ""]
    ratio = sk_time / t_target
    lines.append(f"Time to scikit-learn's 50-iteration error: **{ratio:.1f}x faster** (medians of {args.repeats} "
                 "alternated runs of each).\n")
    lines.append("| run | scikit-learn s | strata s to its error | iterations | strata init s | strata ms per "
                 "iteration | ratio |")
    lines.append("|---|---|---|---|---|---|---|")
    for i in range(args.repeats):
        lines.append(f"| {i + 1} | {sk_times[i]:.2f} | {st_times[i]:.2f} | {st_iters[i]} | {st_inits[i]:.2f} | "
                     f"{st_per_iter[i] * 1000:.0f} | {sk_times[i] / st_times[i]:.1f}x |")
    lines.append("")
    rc = run_rcppml(X, k, args.threads, tmp)
    if rc is None:
        lines.append("RcppML: not installed (Debian r-cran-rcppml), skipped.\n")
    else:
        t_rc, it_rc = time_to_target(metrics["history"], "relative_error", rc["relative_error"])
        lines += ["| solver | iterations | seconds | relative error |", "|---|---|---|---|",
                  f"| RcppML 0.3.7 nmf (random init, {args.threads} threads) | {rc['iterations']} | "
                  f"{rc['seconds']:.2f} | {rc['relative_error']:.6f} |",
                  f"| strata hals, nndsvd, to RcppML's error | {it_rc} | "
                  f"{t_rc if t_rc is None else f'{t_rc:.2f}'} | <= {rc['relative_error']:.6f} |", ""]
        if t_rc:
            lines.append(f"Time to RcppML's 50-iteration error: **{rc['seconds'] / t_rc:.1f}x faster**.\n")

    # ---- KL, k = 20 (one run of each: scikit-learn's takes over a minute)
    if not args.skip_kl:
        k = args.k_kl
        t0 = time.perf_counter()
        sk = NMF(n_components=k, solver="mu", beta_loss="kullback-leibler", init="nndsvda", max_iter=100, tol=0,
                 random_state=0)
        W = sk.fit_transform(X)
        sk_time = time.perf_counter() - t0
        sk_div = kl_divergence(X, W, sk.components_)
        metrics, wall = run_strata(args.cli, corpus, k, "kl", "nndsvda", 100, args.threads, os.path.join(tmp, "kl"))
        t_target, it_target = time_to_target(metrics["history"], "loss", sk_div)
        lines += ["## Kullback-Leibler, k = %d\n" % k,
                  "| solver | iterations | seconds | divergence |", "|---|---|---|---|",
                  f"| scikit-learn mu, nndsvda | 100 | {sk_time:.2f} | {sk_div:.2f} |",
                  f"| strata hals (KL coordinate descent), to scikit-learn's divergence | {it_target} | "
                  f"{t_target if t_target is None else f'{t_target:.2f}'} | <= {sk_div:.2f} |",
                  f"| strata, 100 iterations | {metrics['iterations']} | {metrics['seconds']:.2f} | "
                  f"{metrics['loss']:.2f} |", ""]
        ratio = sk_time / t_target if t_target else float("nan")
        lines.append(f"Time to scikit-learn's 100-iteration divergence: **{ratio:.1f}x faster**.\n")

    # ---- peak memory of the Frobenius run (the CLI, as a user runs it) against
    # the input matrix (its corpus file, used in place through a mapping) plus
    # the factors W (n x k) and H (k x m), in doubles.
    k = args.k
    x_mb = os.path.getsize(corpus) / 1e6
    factors_mb = (X.shape[0] + X.shape[1]) * k * 8 / 1e6
    base = [args.cli, "nmf", corpus, "-k", str(k), "--init", "nndsvd", "--max-iter", "35", "--tol", "0",
            "--threads", str(args.threads), "-o", os.path.join(tmp, "mem"), "-q"]
    lines += ["## Peak memory\n",
              f"`{' '.join(['strata'] + base[1:2] + ['X.strata'] + base[3:-3] + ['-o', 'OUT', '-q'])}`: maximum "
              f"resident set of the process. X (the corpus file, used in place through its memory mapping) is "
              f"{x_mb:.1f} MB, the factors W and H {factors_mb:.1f} MB; the goal, 1.5x of both, is "
              f"{1.5 * (x_mb + factors_mb):.1f} MB.\n",
              "| run | maximum resident set | x (X + factors) |", "|---|---|---|"]
    if not os.path.exists("/usr/bin/time"):
        lines.append("Not measured: install Debian's `time` package.\n")
    else:
        for label, extra in [("default (extrapolation on)", []), ("`--no-extrapolate`", ["--no-extrapolate"])]:
            mb = peak_rss_mb(base + extra)
            lines.append(f"| {label} | {mb:.1f} MB | {mb / (x_mb + factors_mb):.2f}x |")
        lines.append("")

    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
