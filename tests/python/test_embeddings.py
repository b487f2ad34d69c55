"""Word and node embeddings: PMI against numpy, planted structure, the CLI faces."""
import json
import random
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import spearmanr

import strata
from strata import _core
from strata._arrays import csr_from_core, csr_to_core


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


def planted_documents(clusters=4, per=10, n_docs=400, length=30, seed=0):
    """Each document draws its words from one cluster of `per` words (plus a little noise)."""
    rng = random.Random(seed)
    words = [[f"c{c}w{i}" for i in range(per)] for c in range(clusters)]
    docs = []
    for d in range(n_docs):
        c = d % clusters
        docs.append(" ".join(rng.choice(words[c]) if rng.random() < 0.9 else rng.choice(words[rng.randrange(clusters)])
                             for _ in range(length)))
    return docs


def planted_graph(blocks=3, per=30, p_in=0.3, p_out=0.01, seed=0):
    rng = np.random.default_rng(seed)
    edges, labels = [], {}
    n = blocks * per
    for i in range(n):
        labels[f"v{i}"] = f"b{i // per}"
        for j in range(i + 1, n):
            if rng.random() < (p_in if i // per == j // per else p_out):
                edges.append((f"v{i}", f"v{j}"))
    return edges, labels


def test_positive_pmi_matches_numpy():
    rng = np.random.default_rng(1)
    C = rng.poisson(2.0, size=(12, 9)) * (rng.random((12, 9)) < 0.6)
    for shift, smoothing in [(1.0, 1.0), (1.0, 0.75), (5.0, 0.75)]:
        got = csr_from_core(_core.positive_pmi(*csr_to_core(sp.csr_matrix(C.astype(float))), shift=shift,
                                               smoothing=smoothing)).toarray()
        pc = C.sum(axis=0) ** smoothing
        with np.errstate(divide="ignore"):
            pmi = np.log(C / C.sum(axis=1, keepdims=True) / (pc / pc.sum())) - np.log(shift)
        want = np.where(C > 0, np.maximum(pmi, 0.0), 0.0)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_spearman_matches_scipy():
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 5, 40), rng.normal(size=40)
    assert strata.embeddings.spearman_correlation(x, y) == pytest.approx(spearmanr(x, y).correlation, abs=1e-13)


@pytest.mark.parametrize("method", ["svd", "nmf"])
def test_word_embedding_recovers_planted_clusters(method):
    docs = planted_documents()
    w = strata.WordEmbedding(dim=4, window=3, method=method, random_state=0).fit(docs)
    assert w.vectors_.shape == (40, 4)
    for word in ["c0w1", "c2w5", "c3w9"]:
        cluster = word.split("w")[0]
        assert all(n.startswith(cluster + "w") for n, _ in w.most_similar(word, 9)), (word, w.most_similar(word, 9))
    assert w.similarity("c1w0", "c1w1") > w.similarity("c1w0", "c2w1")
    rho, used = w.evaluate([("c0w0", "c0w1", 10), ("c0w0", "c1w1", 1), ("c2w0", "c2w3", 9), ("c2w0", "c3w3", 0),
                            ("c0w0", "unknown", 5)])
    assert used == 4 and rho > 0.7
    with pytest.raises(KeyError):
        w["unknown"]


def test_word_embedding_is_deterministic_and_validates():
    docs = planted_documents(seed=3)
    a = strata.WordEmbedding(dim=3, random_state=1).fit(docs).vectors_
    b = strata.WordEmbedding(dim=3, random_state=1).fit(docs).vectors_
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="dim"):
        strata.WordEmbedding(dim=100).fit(docs)
    with pytest.raises(ValueError, match="shift"):
        strata.WordEmbedding(dim=3, shift=0.5).fit(docs)


def test_graph_embedding_separates_planted_communities():
    edges, labels = planted_graph()
    g = strata.GraphEmbedding(dim=6, random_state=0).fit(edges)
    assert g.vectors_.shape == (90, 6)
    from sklearn.linear_model import LogisticRegression
    y = np.array([labels[n] for n in g.nodes_])
    X = g.vectors_ / np.linalg.norm(g.vectors_, axis=1, keepdims=True)
    idx = np.random.default_rng(0).permutation(len(y))
    train, test = idx[:45], idx[45:]
    acc = LogisticRegression(C=10).fit(X[train], y[train]).score(X[test], y[test])
    assert acc >= 0.95


def test_cli_embed_words_and_neighbors(tmp_path, strata_cli):
    text = tmp_path / "docs.txt"
    text.write_text("\n".join(planted_documents()) + "\n")
    sim = tmp_path / "sim.txt"
    sim.write_text("c0w0 c0w1 10\nc0w0 c1w1 1\nc2w0 c2w3 9\nc2w0 c3w3 0\nc0w0 nope 3\n")
    out = tmp_path / "words"
    r = run(strata_cli, "embed-words", text, "--format", "lines", "--window", 3, "--dim", 4, "--similarity", sim,
            "-o", out)
    assert "Spearman" in r.stdout
    vectors = np.load(out / "vectors.npy")
    vocab = (out / "vocab.txt").read_text().split("\n")[:-1]
    assert vectors.shape == (len(vocab), 4) == (40, 4)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["similarity"]["pairs_used"] == 4 and metrics["similarity"]["pairs_total"] == 5
    assert metrics["similarity"]["spearman"] > 0.7
    got = json.loads(run(strata_cli, "neighbors", out, "--term", "c1w2", "--top", 9, "--json").stdout)
    assert all(g["term"].startswith("c1w") for g in got)
    # The Python face on the same text and options gives the same vectors.
    w = strata.WordEmbedding(dim=4, window=3).fit(planted_documents())
    assert w.vocabulary_ == vocab
    np.testing.assert_allclose(np.abs(w.vectors_), np.abs(vectors), atol=1e-8)


def test_cli_embed_graph_reports_classification(tmp_path, strata_cli):
    edges, labels = planted_graph(seed=4)
    e = tmp_path / "edges.txt"
    e.write_text("".join(f"{a} {b}\n" for a, b in edges))
    lab = tmp_path / "labels.txt"
    lab.write_text("".join(f"{n} {l}\n" for n, l in labels.items()))
    out = tmp_path / "nodes"
    r = run(strata_cli, "embed-graph", e, "--dim", 6, "--labels", lab, "-o", out)
    assert "accuracy" in r.stdout
    c = json.loads((out / "metrics.json").read_text())["classification"]
    assert c["accuracy"] >= 0.95 and c["majority_accuracy"] < 0.5 and c["train"] + c["test"] == 90
    assert np.load(out / "vectors.npy").shape == (90, 6)
    assert len((out / "nodes.txt").read_text().split("\n")[:-1]) == 90


def test_cli_embedding_bad_input(tmp_path, strata_cli):
    bad = tmp_path / "edges.txt"
    bad.write_text("a b\nc\n")
    r = run(strata_cli, "embed-graph", bad, "-o", tmp_path / "o", check=False)
    assert r.returncode == 1 and f"{bad}:2:" in r.stderr
    text = tmp_path / "t.txt"
    text.write_text("\n".join(planted_documents()) + "\n")
    sim = tmp_path / "sim.txt"
    sim.write_text("a b c\n")
    r = run(strata_cli, "embed-words", text, "--format", "lines", "--dim", 3, "--similarity", sim,
            "-o", tmp_path / "w", check=False)
    assert r.returncode == 1 and f"{sim}:1:" in r.stderr and not (tmp_path / "w" / "model.json").exists()
    mtx = tmp_path / "m.mtx"
    mtx.write_text("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1.0\n")
    r = run(strata_cli, "embed-words", mtx, "-o", tmp_path / "w2", check=False)
    assert r.returncode == 1 and "co-occurrence" in r.stderr
