#!/usr/bin/env python3
"""Neural language model on a real corpus (strata lm): time per minibatch of
the factored O(H^2) output layer against the naive O(V H) one on the same
network, the per-epoch loss, and whether the embeddings place WordNet synonyms
closer than random words.

Corpus: the bundled Brown corpus (data/brown.tsv.gz, 500 documents, ~1M
tokens) by default. Vocabulary: words seen at least --min-count times.
Judgement (Debian's wordnet-base, as bench/e2e/embed_words_vs_peers.py): for
every pair of single-word lemmas of one synset both in the vocabulary, AUC =
P(cos(a, synonym) > cos(a, random vocabulary word)), 10 random words per
pair; 0.5 is chance. The same AUC for the untrained (initial) embeddings is
the control: training must move it above chance.

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/lm_corpus.py --out bench/results/lm.md
"""
import argparse
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from embed_words_vs_peers import wordnet_judgements  # noqa: E402


def synonym_auc(E, vocab, seed=0, negatives=10):
    index = {w: i for i, w in enumerate(vocab)}
    syn, _ = wordnet_judgements()
    pairs = [(a, b) for a, b in syn if a in index and b in index]
    rng = random.Random(seed)
    En = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-300)
    wins = total = 0.0
    for a, b in pairs:
        ia, ib = index[a], index[b]
        pos = En[ia] @ En[ib]
        for _ in range(negatives):
            r = rng.randrange(len(vocab))
            if r in (ia, ib):
                continue
            neg = En[ia] @ En[r]
            wins += 1.0 if pos > neg else 0.5 if pos == neg else 0.0
            total += 1
    return wins / max(total, 1), len(pairs)


def run_lm(cli, corpus, out, args, update, extra=()):
    # Short parallel regions: on a machine shared with other jobs libgomp's
    # spin-waiting steals the cores (see bench/results/autoencoder.md), so
    # both layers run with passive waiting.
    env = dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "passive"))
    cmd = [cli, "lm", corpus, "--format", "tsv", "--text-column", "3", "--context", str(args.context), "--dim",
           str(args.dim), "--hidden", str(args.hidden), "--loss", args.loss, "--output-update", update,
           "--learning-rate", str(args.learning_rate), "--min-count", str(args.min_count), "--threads",
           str(args.threads), "--seed", "1", "-o", out, "-q", *extra]
    subprocess.run(cmd, check=True, env=env)
    return json.load(open(os.path.join(out, "metrics.json")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="data/brown.tsv.gz")
    ap.add_argument("--cli", default="build/bin/strata")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--context", type=int, default=4)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--loss", default="taylor")
    ap.add_argument("--learning-rate", type=float, default=0.05)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--naive-batches", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        init = run_lm(args.cli, args.corpus, os.path.join(tmp, "init"), args, "factored", ["--max-batches", "1"])
        E0 = np.load(os.path.join(tmp, "init", "embeddings.npy"))
        fact = run_lm(args.cli, args.corpus, os.path.join(tmp, "fact"), args, "factored",
                      ["--epochs", str(args.epochs)])
        E = np.load(os.path.join(tmp, "fact", "embeddings.npy"))
        vocab = open(os.path.join(tmp, "fact", "vocab.txt")).read().split("\n")[:E.shape[0]]
        naive = run_lm(args.cli, args.corpus, os.path.join(tmp, "naive"), args, "naive",
                       ["--max-batches", str(args.naive_batches)])
    auc, pairs = synonym_auc(E, vocab)
    auc0, _ = synonym_auc(E0, vocab)
    V = fact["words"]
    lines = ["# Neural language model on a real corpus (strata lm)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs (load average "
             f"{os.getloadavg()[0]:.1f} at the start), {platform.platform()}, threads {args.threads}, "
             "OMP_WAIT_POLICY=passive  ",
             "Command: `PYTHONPATH=build/python /usr/bin/python3 bench/e2e/lm_corpus.py "
             + " ".join(shlex.quote(a) for a in sys.argv[1:]) + "`", "",
             f"Corpus {args.corpus}: {fact['tokens']} tokens in the vocabulary of {V} words (min count "
             f"{args.min_count}; {fact['dropped_tokens']} rarer tokens dropped), {fact['examples_per_epoch']} "
             f"predicted words per epoch. Network: context {args.context} -> embeddings {args.dim} -> tanh "
             f"{args.hidden} -> {V} outputs, {args.loss} loss, minibatch 128, SGD learning rate "
             f"{args.learning_rate}, float32.", "",
             "| epoch | seconds (cumulative) | mean loss per word |", "|---|---|---|"]
    lines += [f"| {h['iteration']} | {h['seconds']:.1f} | {h['loss']:.4f} |" for h in fact["history"]]
    lines += ["", "| output layer | s/minibatch (whole step) | output layer s/minibatch |", "|---|---|---|",
              f"| factored | {fact['seconds_per_batch']:.4g} | {fact['output_seconds_per_batch']:.4g} |",
              f"| naive ({naive['batches']} minibatches) | {naive['seconds_per_batch']:.4g} "
              f"| {naive['output_seconds_per_batch']:.4g} |",
              f"| speed-up | {naive['seconds_per_batch'] / fact['seconds_per_batch']:.1f}x "
              f"| {naive['output_seconds_per_batch'] / fact['output_seconds_per_batch']:.1f}x |", "",
              f"WordNet synonyms ({pairs} pairs in the vocabulary, 10 random words each): "
              f"AUC {auc:.3f} after training, {auc0:.3f} for the initial embeddings (0.5 = chance).", "",
              f"Stabilization: {fact['stabilization']['checks']} SVD checks, "
              f"{fact['stabilization']['corrections']} singular values corrected, "
              f"{fact['stabilization']['folds']} folds over {fact['batches']} minibatches."]
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
