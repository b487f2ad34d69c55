#!/usr/bin/env python3
"""Node embeddings on real labeled graphs: strata embed-graph (truncated
random walks, PMI, truncated SVD) classifies nodes by logistic regression
trained on a random half of the labeled nodes; baselines on the same split
are the weighted vote of each test node's labeled (training) neighbours and
the majority label. Five seeds (walks and split), mean and spread.

Graphs:
  karate     Zachary's karate club (networkx), 34 members, the two clubs after the split.
  brown-knn  the 500 Brown documents, each linked to its 5 most similar
             documents by TF-IDF cosine; label: one of 15 genres.
  words      the 5,000 most frequent words of the Brown corpus + State of the
             Union + Moby-Dick + SpamAssassin text, each linked to its 10
             highest-PPMI co-occurring words (window 5); label: the WordNet
             lexicographer file (noun.animal, noun.food, ...) for nouns whose
             senses all lie in one file (the other words are unlabeled nodes).

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/embed_graph_vs_baselines.py --out bench/results/embed_graph.md
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

import strata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "data"))
import fetch_corpora  # noqa: E402
from embed_words_vs_peers import corpus_docs, token_lines, wordnet_judgements  # noqa: E402


def karate():
    import networkx as nx
    g = nx.karate_club_graph()
    edges = [(str(a), str(b)) for a, b in g.edges()]
    labels = {str(n): d["club"].replace(" ", "_") for n, d in g.nodes(data=True)}
    return edges, labels


def top_neighbours(S, k):
    """Edges from each row of a similarity matrix (dense or CSR) to its k largest off-diagonal entries."""
    S = sp.csr_matrix(S)
    edges = []
    for i in range(S.shape[0]):
        cols, vals = S.indices[S.indptr[i]:S.indptr[i + 1]], S.data[S.indptr[i]:S.indptr[i + 1]]
        keep = cols != i
        cols, vals = cols[keep], vals[keep]
        for j in cols[np.argsort(-vals, kind="stable")[:k]]:
            edges.append((i, int(j)))
    return edges


def brown_knn():
    path = os.path.join(ROOT, "data", "brown.tsv.gz")
    c = strata.load_corpus(path, format="tsv", label_column=2, text_column=3, stop_words="english", min_df=2)
    X = c.matrix
    edges = top_neighbours(X @ X.T, 5)
    return [(f"d{a}", f"d{b}") for a, b in edges], {f"d{i}": l for i, l in enumerate(c.labels)}


def word_graph(tmp):
    lines = token_lines(corpus_docs("all"))
    path = os.path.join(tmp, "all.txt")
    with open(path, "w", encoding="utf-8") as f:
        for toks in lines:
            f.write(" ".join(toks) + "\n")
    c = strata.load_corpus(path, format="lines", max_features=5000, weighting="count", window=5)
    from strata import _core
    from strata._arrays import csr_from_core, csr_to_core
    P = csr_from_core(_core.positive_pmi(*csr_to_core(c.cooccurrence), shift=1.0, smoothing=1.0))
    edges = top_neighbours(P, 10)
    _, files = wordnet_judgements()
    labels = {w: f"lex{files[w]}" for w in c.vocabulary if w in files}
    return [(c.vocabulary[a], c.vocabulary[b]) for a, b in edges], labels


def run_graph(a, tmp, name, edges, labels):
    e_path = os.path.join(tmp, name + ".edges")
    l_path = os.path.join(tmp, name + ".labels")
    with open(e_path, "w", encoding="utf-8") as f:
        f.writelines(f"{u} {v}\n" for u, v in edges)
    nodes = {u for e in edges for u in e}
    with open(l_path, "w", encoding="utf-8") as f:
        f.writelines(f"{n} {l}\n" for n, l in labels.items() if n in nodes)
    results = []
    for seed in range(a.seeds):
        out = os.path.join(tmp, f"{name}_{seed}")
        t = time.perf_counter()
        subprocess.run([a.cli, "embed-graph", e_path, "--labels", l_path, "--dim", str(a.dim), "--seed", str(seed),
                        "--threads", str(a.threads), "--quiet", "-o", out], check=True)
        seconds = time.perf_counter() - t
        m = json.load(open(os.path.join(out, "metrics.json")))
        results.append((seconds, m["classification"], m["nodes"]))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "bin", "strata"))
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    parts = ["# Node embeddings: strata embed-graph vs neighbour vote and majority", "", "```",
             "PYTHONPATH=build/python /usr/bin/python3 bench/e2e/embed_graph_vs_baselines.py "
             f"--dim {a.dim} --threads {a.threads} --seeds {a.seeds}", "```", "",
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; default walks (10 per node, "
             f"length 40, window 5), dim {a.dim}. Accuracy on the held-out half of the labeled nodes, mean +- "
             f"standard deviation over {a.seeds} seeds (the seed draws the walks and the split); time: the whole "
             "`strata embed-graph` run.", "",
             "| graph | nodes | labeled | classes | strata (logistic regression) | neighbour vote | majority | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("karate", karate), ("brown-knn", brown_knn), ("words", lambda: word_graph(tmp))):
            edges, labels = build()
            res = run_graph(a, tmp, name, edges, labels)
            acc = np.array([r[1]["accuracy"] for r in res])
            vote = np.array([r[1]["neighbor_vote_accuracy"] for r in res])
            major = np.array([r[1]["majority_accuracy"] for r in res])
            c = res[0][1]
            parts.append(f"| {name} | {res[0][2]} | {c['train'] + c['test']} | {c['classes']} | "
                         f"{acc.mean():.4f} +- {acc.std():.4f} | {vote.mean():.4f} +- {vote.std():.4f} | "
                         f"{major.mean():.4f} | {np.mean([r[0] for r in res]):.2f} |")
            print(parts[-1], flush=True)
    text = "\n".join(parts)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
