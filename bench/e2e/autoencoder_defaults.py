#!/usr/bin/env python3
"""Do the autoencoder's and the language model's defaults learn on real text?

For each corpus (a labelled TSV, `id <TAB> label <TAB> text`, as
bench/data/make_real_corpora.py writes them under bench/data/real/):

1. `strata vectorize` (TF-IDF, English stop words, min_df 2, rows L2-normalized);
2. `strata svd -k D` (the rank-d truncated SVD: the optimal linear autoencoder);
3. `strata autoencoder --hidden D --epochs 3` with the default flags, and with
   the previous defaults (`--optimizer sgd --learning-rate 0.01`) beside them;
4. `strata lm` on the same texts with the default flags (one epoch).

The reconstruction error is the mean over the nonzero rows of
||x - x_hat||^2 / ||x||^2 for all three (predicting zeros gives 1; for the SVD
x_hat = x V V^T, so the row's error is 1 - ||x V||^2 / ||x||^2, from
`document_vectors.npy` = X V); the corpus-level ||X - X_hat||_F^2 / ||X||_F^2
is reported too. "Gap closed" is (1 - autoencoder) / (1 - SVD): the share of
the way from predicting zeros to the SVD. The language model's loss is the mean
Taylor-softmax loss per predicted word over the first and over the last
minibatches of its epoch (clamp(batches / 10, 1, 50) minibatches each, the
windows its not-learning check compares) and over the epoch; uniform
guessing costs log V.

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/autoencoder_defaults.py \\
      --strata build/bin/strata --out bench/results/autoencoder_defaults.md
"""
import argparse
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # short parallel regions on a shared machine (see autoencoder.md)

import numpy as np  # noqa: E402

import strata  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPORA = ["debian-descriptions", "docs", "manpages", "spam", "docstrings"]


def run(cmd):
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(map(shlex.quote, cmd)), r.stderr))
    return r, time.time() - t


def metrics(directory):
    with open(os.path.join(directory, "metrics.json")) as f:
        return json.load(f)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "bin", "strata"))
    ap.add_argument("--data", default=os.path.join(ROOT, "bench", "data", "real"))
    ap.add_argument("--corpora", default=",".join(DEFAULT_CORPORA), help="names of TSVs in --data")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-lm", action="store_true", help="skip the language model")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    d, threads = args.hidden, ["--threads", str(args.threads)]
    ae_rows, lm_rows, commands = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.corpora.split(","):
            tsv = os.path.join(args.data, name + ".tsv")
            if not os.path.exists(tsv):
                print("skipped %s: %s not found (run bench/data/make_real_corpora.py --all)" % (name, tsv),
                      file=sys.stderr)
                continue
            X_path = os.path.join(tmp, name + ".strata")
            vec = [args.strata, "vectorize", tsv, "--format", "tsv", "--id-column", "1", "--label-column", "2",
                   "--text-column", "3", "--stop-words", "english", "--min-df", "2", "-o", X_path, "-q"]
            run(vec)
            X = strata.load_corpus(X_path).matrix.tocsr()
            norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
            keep = norms > 0
            svd_dir = os.path.join(tmp, name + "-svd")
            svd = [args.strata, "svd", X_path, "-k", str(d), "-o", svd_dir, "-q"] + threads
            _, svd_seconds = run(svd)
            P = np.load(os.path.join(svd_dir, "document_vectors.npy"))  # X V
            proj = (P ** 2).sum(axis=1)
            svd_mean = float(np.mean(1 - proj[keep] / norms[keep]))
            svd_corpus = float(1 - proj.sum() / norms.sum())
            ae_dir, old_dir = os.path.join(tmp, name + "-ae"), os.path.join(tmp, name + "-ae-sgd")
            ae = [args.strata, "autoencoder", X_path, "--hidden", str(d), "--epochs", str(args.epochs),
                  "-o", ae_dir, "-q"] + threads
            old = [args.strata, "autoencoder", X_path, "--hidden", str(d), "--epochs", str(args.epochs),
                   "--optimizer", "sgd", "--learning-rate", "0.01", "-o", old_dir, "-q"] + threads
            run(ae)
            run(old)
            m, mo = metrics(ae_dir), metrics(old_dir)
            ae_rows.append(dict(name=name, docs=X.shape[0], terms=X.shape[1], nnz=X.nnz, svd=svd_mean,
                                svd_corpus=svd_corpus, ae=m["relative_error"], ae_corpus=m["corpus_relative_error"],
                                status=m["status"], dead=m["dead_units"], zero=m["zero_codes"],
                                seconds=m["seconds"], old=mo["relative_error"], old_status=mo["status"],
                                old_zero=mo["zero_codes"]))
            r = ae_rows[-1]
            print("%s: %d x %d, SVD %.4f, autoencoder %.4f (%s), previous defaults %.4f (%s); gap closed %.1f%%" % (
                name, r["docs"], r["terms"], svd_mean, r["ae"], r["status"], r["old"], r["old_status"],
                100 * (1 - r["ae"]) / (1 - svd_mean)), flush=True)
            if not commands:
                commands += [vec, svd, ae, old]
            if args.no_lm:
                continue
            lm_dir = os.path.join(tmp, name + "-lm")
            lm = [args.strata, "lm", tsv, "--format", "tsv", "--text-column", "3", "-o", lm_dir, "-q"] + threads
            run(lm)
            ml = metrics(lm_dir)
            lm_rows.append(dict(name=name, words=ml["words"], tokens=ml["tokens"], batches=ml["batches"],
                                start=ml["start_loss"], end=ml["end_loss"], epoch=ml["history"][-1]["loss"],
                                status=ml["status"], seconds=ml["seconds"]))
            l = lm_rows[-1]
            print("  lm: V = %d, %d tokens, loss %.3f -> %.3f (log V %.3f), %s" % (
                l["words"], l["tokens"], l["start"], l["end"], math.log(l["words"]), l["status"]), flush=True)
            if len(commands) == 4:
                commands.append(lm)

    def shown(cmd):
        out = []
        for a in cmd:
            if a.startswith(tmp):
                a = os.path.basename(a) if a.endswith(".strata") else "DIR"
            elif a.startswith(ROOT):
                a = os.path.relpath(a, ROOT)
            out.append(a)
        return " ".join(map(shlex.quote, out))

    lines = ["# Autoencoder and language-model defaults on real text", "",
             "Generated by `bench/e2e/autoencoder_defaults.py` (%s). Machine: %s, %d logical CPUs, %s threads; "
             "run at %s. Corpora: `bench/data/make_real_corpora.py --all` (bench/data/real/; Debian package "
             "descriptions, /usr/share/doc paragraphs, man pages, SpamAssassin, stdlib docstrings)." % (
                 "`PYTHONPATH=%s /usr/bin/python3 bench/e2e/autoencoder_defaults.py --strata %s --hidden %d "
                 "--epochs %d --threads %d --corpora %s --out bench/results/autoencoder_defaults.md`" % (
                     os.path.relpath(os.path.dirname(os.path.dirname(strata.__file__)), ROOT),
                     os.path.relpath(args.strata, ROOT), d, args.epochs, args.threads, args.corpora),
                 cpu_model(), os.cpu_count() or 0, args.threads, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
             "",
             "## Autoencoder: reconstruction error, d = %d, %d epochs" % (d, args.epochs), "",
             "Mean over the rows of ||x - x_hat||^2 / ||x||^2 (TF-IDF rows, so the corpus-level "
             "||X - X_hat||_F^2 / ||X||_F^2 is the same up to empty rows; it is given in brackets). Zeros: 1. "
             "Gap closed: (1 - autoencoder) / (1 - SVD).", "",
             "| corpus | documents | terms | zeros | SVD rank %d | strata autoencoder (defaults) | gap closed | "
             "status | previous defaults (sgd 0.01) | seconds |" % d,
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ae_rows:
        lines.append("| %s | %s | %s | 1.0 | %.4f (%.4f) | %.4f (%.4f) | %.1f%% | %s, %d dead units, %.0f%% zero codes "
                     "| %.4f (%s, %.0f%% zero codes) | %.1f |" % (
                         r["name"], format(r["docs"], ","), format(r["terms"], ","), r["svd"], r["svd_corpus"],
                         r["ae"], r["ae_corpus"], 100 * (1 - r["ae"]) / (1 - r["svd"]), r["status"], r["dead"],
                         100 * r["zero"], r["old"], r["old_status"], 100 * r["old_zero"], r["seconds"]))
    if lm_rows:
        lines += ["", "## Language model: loss per predicted word, default flags (1 epoch)", "",
                  "| corpus | vocabulary V | tokens | minibatches | log V | first minibatches | last minibatches | "
                  "epoch mean | status | seconds |", "|---|---|---|---|---|---|---|---|---|---|"]
        for l in lm_rows:
            lines.append("| %s | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %s | %.1f |" % (
                l["name"], format(l["words"], ","), format(l["tokens"], ","), format(l["batches"], ","),
                math.log(l["words"]), l["start"], l["end"], l["epoch"], l["status"], l["seconds"]))
    lines += ["", "## Commands (first corpus; the others alike)", ""]
    lines += ["    " + shown(c) for c in commands]
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
