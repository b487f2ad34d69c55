"""strata neighbors: nearest documents and terms by cosine in an LSA space."""
import json
import subprocess

import numpy as np
import pytest


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def lsa(tmp_path_factory, strata_cli, brown_tsv):
    d = tmp_path_factory.mktemp("lsa")
    run(strata_cli, "svd", brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2, "--text-column", 3,
        "--stop-words", "english", "--min-df", 2, "-k", 20, "-o", d, "-q")
    return d


def cosine_top(vectors, q, top):
    norms = np.linalg.norm(vectors, axis=1)
    cos = vectors @ vectors[q] / (norms * norms[q])
    cos[q] = -np.inf
    order = np.lexsort((np.arange(len(cos)), -cos))[:top]
    return order, cos[order]


def test_terms_match_numpy(lsa, strata_cli):
    vocab = (lsa / "vocabulary.txt").read_text().split("\n")[:-1]
    terms = np.load(lsa / "components.npy").T * np.load(lsa / "singular_values.npy")
    got = json.loads(run(strata_cli, "neighbors", lsa, "--term", "church", "--top", 7, "--json").stdout)
    order, cos = cosine_top(terms, vocab.index("church"), 7)
    assert [g["index"] for g in got] == list(order)
    assert [g["term"] for g in got] == [vocab[i] for i in order]
    assert np.allclose([g["cosine"] for g in got], cos, atol=1e-12)


def test_documents_match_numpy(lsa, strata_cli):
    docs = np.load(lsa / "document_vectors.npy")
    labels = (lsa / "labels.txt").read_text().split("\n")[:-1]
    got = json.loads(run(strata_cli, "neighbors", lsa, "--document", 10, "--top", 5, "--json").stdout)
    order, cos = cosine_top(docs, 10, 5)
    assert [g["index"] for g in got] == list(order)
    assert [g["label"] for g in got] == [labels[i] for i in order]
    assert np.allclose([g["cosine"] for g in got], cos, atol=1e-12)


@pytest.mark.parametrize("args,message", [
    (["--term", "notaword"], "not in the model's vocabulary"),
    (["--document", "100000"], "document must be in [0, 500)"),
    ([], "give --document N or --term WORD"),
])
def test_bad_queries(lsa, strata_cli, args, message):
    r = run(strata_cli, "neighbors", lsa, *args, check=False)
    assert r.returncode == 1 and message in r.stderr


def test_needs_an_svd_model(tmp_path, strata_cli, brown_tsv):
    out = tmp_path / "nmf"
    run(strata_cli, "nmf", brown_tsv, "--format", "tsv", "--text-column", 3, "-k", 3, "--max-iter", 5, "-o", out, "-q")
    r = run(strata_cli, "neighbors", out, "--document", 0, check=False)
    assert r.returncode == 1 and "strata svd" in r.stderr


def test_fold_in_reproduces_training_documents_and_embeds_new_ones(lsa, strata_cli, brown_tsv, tmp_path):
    out = tmp_path / "fold.npy"
    run(strata_cli, "transform", lsa, brown_tsv, "--format", "tsv", "--text-column", 3, "-o", out, "-q")
    np.testing.assert_allclose(np.load(out), np.load(lsa / "document_vectors.npy"), atol=1e-10)
    # A new document about churches lands nearest the religion genre's documents.
    new = tmp_path / "new.txt"
    new.write_text("the church and its congregation prayed; the minister spoke of faith, god and the gospel\n")
    run(strata_cli, "transform", lsa, new, "--format", "lines", "-o", out, "-q")
    q = np.load(out)[0]
    docs = np.load(lsa / "document_vectors.npy")
    labels = (lsa / "labels.txt").read_text().split("\n")[:-1]
    cos = docs @ q / (np.linalg.norm(docs, axis=1) * np.linalg.norm(q))
    top = [labels[i] for i in np.argsort(-cos)[:5]]
    assert top.count("religion") >= 3, top
