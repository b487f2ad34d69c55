"""strata.datasets: types, shapes, determinism; and `strata generate` on the CLI."""
import json
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp

from strata import datasets


def same_csr(a, b):
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))


def test_make_topics_types_and_shapes():
    d = datasets.make_topics(n_documents=120, n_terms=300, n_topics=6, random_state=1)
    assert sp.isspmatrix_csr(d.X)
    assert d.X.shape == (120, 300)
    assert d.W.shape == (120, 6) and d.W.dtype == np.float64
    assert d.H.shape == (6, 300)
    assert d.labels.shape == (120,)
    assert len(d.vocabulary) == 300 and d.vocabulary[3] == "t0003"
    assert d["X"] is d.X
    assert (d.X.data > 0).all() and np.array_equal(d.X.data, np.round(d.X.data))
    np.testing.assert_allclose(d.H.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.W.sum(axis=1), d.doc_lengths, rtol=1e-12)
    np.testing.assert_array_equal(d.labels, d.W.argmax(axis=1))
    # Disjoint anchor blocks without overlap: each topic's mass stays in its block.
    for t in range(6):
        a, b = d.anchor_begin[t], d.anchor_begin[t + 1]
        assert d.H[t, :a].sum() == 0 and d.H[t, b:].sum() == 0


def test_make_topics_determinism_and_exact_product():
    a = datasets.make_topics(n_documents=50, n_terms=80, n_topics=4, overlap=0.3, random_state=7)
    b = datasets.make_topics(n_documents=50, n_terms=80, n_topics=4, overlap=0.3, random_state=7)
    c = datasets.make_topics(n_documents=50, n_terms=80, n_topics=4, overlap=0.3, random_state=8)
    assert same_csr(a.X, b.X) and np.array_equal(a.W, b.W) and np.array_equal(a.H, b.H)
    assert not same_csr(a.X, c.X)
    e = datasets.make_topics(n_documents=30, n_terms=40, n_topics=3, overlap=0.2, noise="none", random_state=0)
    np.testing.assert_allclose(e.X.toarray(), e.W @ e.H, rtol=1e-12, atol=1e-14)
    # numpy generators are accepted (a seed is drawn from them).
    r1 = datasets.make_topics(n_documents=10, n_terms=20, n_topics=2, random_state=np.random.RandomState(0))
    r2 = datasets.make_topics(n_documents=10, n_terms=20, n_topics=2, random_state=np.random.RandomState(0))
    assert same_csr(r1.X, r2.X)


def test_make_topics_rejects_bad_arguments():
    with pytest.raises(ValueError, match="overlap"):
        datasets.make_topics(overlap=1.5)
    with pytest.raises(ValueError, match="n_terms"):
        datasets.make_topics(n_terms=3, n_topics=5)
    with pytest.raises(ValueError, match="noise"):
        datasets.make_topics(noise="gaussian")
    with pytest.raises(ValueError):
        datasets.make_topics(random_state=-1)


def test_make_hierarchy():
    d = datasets.make_hierarchy(n_documents=200, n_terms=300, random_state=2)
    assert d.ranks == [9, 4, 2]
    assert d.parents == [[0, 0, 0, 1, 1, 2, 2, 3, 3], [0, 0, 1, 1]]
    assert sp.isspmatrix_csr(d.X) and d.X.shape == (200, 300)
    assert [w.shape for w in d.W] == [(200, 9), (200, 4), (200, 2)]
    assert [h.shape for h in d.H] == [(9, 300), (4, 300), (2, 300)]
    assert d.mixing[0] is None and d.mixing[1].shape == (4, 9) and d.mixing[2].shape == (2, 4)
    np.testing.assert_allclose(d.X.toarray(), d.W[0] @ d.H[0], rtol=1e-12, atol=1e-14)
    for l in (1, 2):
        np.testing.assert_allclose(d.H[l], d.mixing[l] @ d.H[l - 1], rtol=1e-12)
        np.testing.assert_array_equal(d.labels[l], np.asarray(d.parents[l - 1])[d.labels[l - 1]])
    # The seeds' notation: X ~ A0 A1 S1 with A0 = H[0].T, A1 = mixing[1].T, S1 = W[1].T.
    approx1 = (d.H[0].T @ d.mixing[1].T @ d.W[1].T).T
    np.testing.assert_allclose(approx1, d.W[1] @ d.H[1], rtol=1e-10)
    e = [np.linalg.norm(d.X.toarray() - d.W[l] @ d.H[l]) / sp.linalg.norm(d.X) for l in range(3)]
    assert e[0] < 1e-12 < e[1] < e[2]
    again = datasets.make_hierarchy(n_documents=200, n_terms=300, random_state=2)
    assert same_csr(d.X, again.X)
    custom = datasets.make_hierarchy(n_documents=50, n_terms=100, ranks=[4, 2], parents=[[1, 0, 1, 0]],
                                     noise="poisson", random_state=0)
    np.testing.assert_array_equal(custom.labels[1], 1 - custom.labels[0] % 2)
    with pytest.raises(ValueError):
        datasets.make_hierarchy(ranks=[2, 4])


def test_make_lowrank():
    d = datasets.make_lowrank(n_rows=300, n_cols=200, rank=3, observed=0.4, factor_density=0.4, random_state=3)
    assert sp.isspmatrix_csr(d.X) and sp.isspmatrix_csr(d.mask)
    assert d.X.shape == (300, 200) and d.W.shape == (300, 3) and d.H.shape == (3, 200)
    assert abs(d.X.nnz / (300 * 200) - 0.4) < 0.015
    assert (d.X.data == 0).any(), "observed zeros are stored explicitly"
    assert d.X.nnz + len(d.held_out_values) == 300 * 200
    WH = d.W @ d.H
    rows = np.repeat(np.arange(300), np.diff(d.X.indptr))
    np.testing.assert_allclose(d.X.data, WH[rows, d.X.indices], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.held_out_values, WH[d.held_out_rows, d.held_out_cols], rtol=1e-12, atol=1e-15)
    assert np.array_equal(d.mask.indices, d.X.indices) and (d.mask.data == 1).all()
    observed = set(zip(rows.tolist(), d.X.indices.tolist()))
    assert not observed & set(zip(d.held_out_rows.tolist(), d.held_out_cols.tolist()))
    again = datasets.make_lowrank(n_rows=300, n_cols=200, rank=3, observed=0.4, factor_density=0.4, random_state=3)
    assert same_csr(d.X, again.X)


def test_make_zipf_corpus_and_writer(tmp_path):
    d = datasets.make_zipf_corpus(n_documents=300, doc_length=50, n_topics=3, random_state=4)
    assert len(d.documents) == 300 and isinstance(d.documents[0], str)
    assert set(d.labels) == {"topic0", "topic1", "topic2"}
    assert d.topics.dtype == np.int32 and d.topics.shape == (300,)
    assert datasets.make_zipf_corpus(n_documents=300, doc_length=50, n_topics=3, random_state=4).documents \
        == d.documents
    assert datasets.make_zipf_corpus(n_documents=300, doc_length=50, n_topics=3, random_state=5).documents \
        != d.documents
    # Rank-frequency slope about -1.07 on the top ranks.
    big = datasets.make_zipf_corpus(n_documents=2000, vocabulary_size=5000, random_state=0)
    counts = {}
    for doc in big.documents:
        for w in doc.split():
            counts[w] = counts.get(w, 0) + 1
    f = np.sort(np.fromiter(counts.values(), dtype=float))[::-1][:100]
    slope = np.polyfit(np.log(np.arange(1, 101)), np.log(f), 1)[0]
    assert abs(slope + 1.07) < 0.1
    # The writer streams the same documents.
    path = tmp_path / "z.tsv"
    s = datasets.write_zipf_corpus(path, n_documents=300, doc_length=50, n_topics=3, random_state=4)
    lines = path.read_text().splitlines()
    assert s["documents"] == 300 == len(lines) and s["bytes"] == path.stat().st_size
    assert [line.split("\t")[2] for line in lines] == d.documents
    assert [line.split("\t")[1] for line in lines] == d.labels
    sized = datasets.write_zipf_corpus(tmp_path / "z.txt", target_bytes=100_000, random_state=0)
    assert 100_000 <= sized["bytes"] < 110_000
    by_size = datasets.make_zipf_corpus(target_bytes=50_000, random_state=0)
    assert sum(len(t) + 1 for t in by_size.documents) >= 50_000


# ---- the CLI ---------------------------------------------------------------

def run(cli, *args):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, check=True)


def test_cli_generate_topics(strata_cli, tmp_path):
    out = tmp_path / "topics"
    run(strata_cli, "generate", "topics", "-o", out, "--documents", 80, "--terms", 120, "--topics", 4, "--seed", 5)
    W, H = np.load(out / "W_true.npy"), np.load(out / "H_true.npy")
    assert W.shape == (80, 4) and H.shape == (4, 120)
    labels = np.loadtxt(out / "labels.txt", dtype=int)
    np.testing.assert_array_equal(labels, W.argmax(axis=1))
    # The Python generator with the same seed gives the same truth.
    d = datasets.make_topics(n_documents=80, n_terms=120, n_topics=4, random_state=5)
    np.testing.assert_array_equal(W, d.W)
    np.testing.assert_array_equal(H, d.H)
    from strata import load_corpus
    c = load_corpus(str(out / "corpus.strata"))
    assert same_csr(c.matrix.tocsr(), d.X)
    assert c.labels[0] == "topic%d" % d.labels[0]


def test_cli_generate_hierarchy(strata_cli, tmp_path):
    out = tmp_path / "hier"
    run(strata_cli, "generate", "hierarchy", "-o", out, "--documents", 60, "--terms", 100, "--ranks", "6,3",
        "--seed", 1)
    tree = json.loads((out / "hierarchy.json").read_text())
    assert tree["ranks"] == [6, 3] and tree["parents"] == [[0, 0, 1, 1, 2, 2]]
    assert np.load(out / "W_true_layer0.npy").shape == (60, 6)
    assert np.load(out / "H_true_layer1.npy").shape == (3, 100)
    assert np.load(out / "mixing_layer1.npy").shape == (3, 6)
    l0 = np.loadtxt(out / "labels_layer0.txt", dtype=int)
    l1 = np.loadtxt(out / "labels_layer1.txt", dtype=int)
    np.testing.assert_array_equal(l1, l0 // 2)


def test_cli_generate_lowrank(strata_cli, tmp_path):
    out = tmp_path / "lowrank"
    run(strata_cli, "generate", "lowrank", "-o", out, "--rows", 40, "--cols", 30, "--rank", 2, "--observed", 0.5,
        "--seed", 9)
    held = np.load(out / "held_out.npy")
    W, H = np.load(out / "W_true.npy"), np.load(out / "H_true.npy")
    assert held.shape[1] == 3 and W.shape == (40, 2) and H.shape == (2, 30)
    from strata import load_corpus
    X = load_corpus(str(out / "corpus.strata")).matrix
    assert X.nnz + held.shape[0] == 40 * 30
    np.testing.assert_allclose(held[:, 2], (W @ H)[held[:, 0].astype(int), held[:, 1].astype(int)], rtol=1e-12)


def test_cli_generate_zipf(strata_cli, tmp_path):
    txt, tsv = tmp_path / "z.txt", tmp_path / "z.tsv"
    run(strata_cli, "generate", "zipf", "-o", txt, "--bytes", "200k", "--seed", 3)
    assert 200_000 <= txt.stat().st_size < 210_000
    run(strata_cli, "generate", "zipf", "-o", tsv, "--documents", 50, "--topics", 2, "--seed", 3)
    lines = tsv.read_text().splitlines()
    assert len(lines) == 50 and all(len(line.split("\t")) == 3 for line in lines)
    # Same documents as the Python generator.
    d = datasets.make_zipf_corpus(n_documents=50, n_topics=2, random_state=3)
    assert [line.split("\t")[2] for line in lines] == d.documents
    bad = subprocess.run([strata_cli, "generate", "zipf", "-o", str(txt), "--exponent", "-1"], capture_output=True,
                         text=True)
    assert bad.returncode != 0 and "exponent" in bad.stderr
