"""strata nmf / topics / transform from the command line."""
import json
import subprocess

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

import strata


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def brown_model(tmp_path_factory, strata_cli, brown_tsv):
    d = tmp_path_factory.mktemp("nmf")
    corpus = d / "brown.strata"
    run(strata_cli, "vectorize", brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2,
        "--text-column", 3, "--stop-words", "english", "--min-df", 2, "-o", corpus, "-q")
    out = d / "model"
    run(strata_cli, "nmf", corpus, "-k", 8, "--seed", 3, "--max-iter", 60, "-o", out, "-q")
    return corpus, out


def test_model_directory_contents(brown_model):
    corpus_path, out = brown_model
    corpus = strata.load_corpus(corpus_path)
    X = corpus.matrix
    W, H = np.load(out / "W.npy"), np.load(out / "H.npy")
    assert W.shape == (X.shape[0], 8) and H.shape == (8, X.shape[1])
    assert W.min() >= 0 and H.min() >= 0
    metrics = json.loads((out / "metrics.json").read_text())
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "nmf" and model["parameters"]["k"] == 8
    history = metrics["history"]
    assert [h["iteration"] for h in history] == list(range(len(history)))
    assert all(set(h) == {"iteration", "seconds", "loss", "relative_error"} for h in history)
    seconds = [h["seconds"] for h in history]
    assert seconds == sorted(seconds)
    losses = [h["loss"] for h in history]
    # Extrapolation (the default) may let the loss rise a little for one
    # iteration, which triggers its restart: 1e-6 relative on this corpus.
    assert all(b <= a * (1 + 1e-4) for a, b in zip(losses, losses[1:]))
    assert losses[-1] == min(losses)
    dense_error = np.linalg.norm(X.toarray() - W @ H) / sp.linalg.norm(X)
    assert metrics["relative_error"] == pytest.approx(dense_error, rel=1e-8)
    assert history[-1]["loss"] == pytest.approx(0.5 * np.linalg.norm(X.toarray() - W @ H) ** 2, rel=1e-8)
    assert (out / "vocabulary.txt").read_text().split("\n")[:-1] == corpus.vocabulary


def test_topics_text_and_json(brown_model, strata_cli):
    _, out = brown_model
    text = run(strata_cli, "topics", out, "--top", 4).stdout.strip().split("\n")
    assert len(text) == 8 and text[0].startswith("topic  0:")
    topics = json.loads(run(strata_cli, "topics", out, "--top", 4, "--json").stdout)
    H = np.load(out / "H.npy")
    vocab = (out / "vocabulary.txt").read_text().split("\n")
    for t in topics:
        best = np.argsort(-H[t["topic"]], kind="stable")[:4]
        assert [x["term"] for x in t["terms"]] == [vocab[j] for j in best]


def test_transform_text_uses_model_vocabulary(brown_model, strata_cli, brown_tsv, tmp_path):
    corpus_path, out = brown_model
    target = tmp_path / "W_new.npy"
    run(strata_cli, "transform", out, brown_tsv, "--format", "tsv", "--text-column", 3, "-o", target, "-q")
    W_new = np.load(target)
    # Folding in the training documents is the exact NNLS with H fixed.
    X = strata.load_corpus(corpus_path).matrix
    H = np.load(out / "H.npy")
    from scipy.optimize import nnls
    for i in (0, 7, 300):
        w, _ = nnls(H.T, X[i].toarray().ravel())
        assert np.allclose(W_new[i], w, atol=1e-8)


def test_kl_and_solvers_from_cli(tmp_path, strata_cli):
    X = sp.random(60, 40, density=0.3, random_state=1, format="csr") * 5
    path = tmp_path / "x.mtx"
    scipy.io.mmwrite(str(path), X)
    for solver, loss in [("hals", "frobenius"), ("mu", "frobenius"), ("bpp", "frobenius"), ("mu", "kl"),
                         ("hals", "kl")]:
        out = tmp_path / f"{solver}_{loss}"
        r = run(strata_cli, "nmf", path, "-k", 4, "--solver", solver, "--loss", loss, "-o", out, "-q", check=False)
        assert r.returncode == 0, r.stderr
        m = json.loads((out / "metrics.json").read_text())
        assert 0 < m["relative_error"] < 1


@pytest.mark.parametrize("args,message", [
    (["-k", "100"], "k must be in [1"),
    (["-k", "3", "--solver", "nope"], "solver must be one of"),
])
def test_bad_arguments(tmp_path, strata_cli, args, message):
    X = sp.random(20, 10, density=0.5, random_state=2, format="csr")
    path = tmp_path / "x.mtx"
    scipy.io.mmwrite(str(path), X)
    r = run(strata_cli, "nmf", path, *args, "-o", tmp_path / "out", check=False)
    assert r.returncode == 1
    assert message in r.stderr
    assert not (tmp_path / "out" / "model.json").exists()


def test_negative_input_is_a_clear_error(tmp_path, strata_cli):
    path = tmp_path / "neg.mtx"
    path.write_text("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n2 2 -3.0\n")
    r = run(strata_cli, "nmf", path, "-k", 1, "-o", tmp_path / "out", check=False)
    assert r.returncode == 1 and "negative value" in r.stderr
    assert f"{path}: negative value -3.000000 at row 1, column 1" in r.stderr


def test_incomplete_model_directory(tmp_path, strata_cli):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "H.npy").write_bytes(b"")
    r = run(strata_cli, "topics", tmp_path / "half", check=False)
    assert r.returncode == 1 and "model.json" in r.stderr


def test_bpp_with_kl_is_refused(tmp_path, strata_cli):
    X = sp.random(20, 10, density=0.5, random_state=2, format="csr")
    path = tmp_path / "x.mtx"
    scipy.io.mmwrite(str(path), X)
    r = run(strata_cli, "nmf", path, "-k", 2, "--solver", "bpp", "--loss", "kl", "-o", tmp_path / "o", check=False)
    assert r.returncode == 1 and "solver must be hals or mu for the KL loss" in r.stderr


def test_warm_start_continues_a_fit(brown_model, strata_cli, tmp_path):
    corpus, out = brown_model
    more = tmp_path / "more"
    run(strata_cli, "nmf", corpus, "-k", 8, "--warm-start", out, "--max-iter", 5, "--tol", 0, "-o", more, "-q")
    first = json.loads((out / "metrics.json").read_text())
    second = json.loads((more / "metrics.json").read_text())
    assert second["history"][0]["loss"] == pytest.approx(first["history"][-1]["loss"], rel=1e-9)
    assert second["loss"] <= first["loss"]
    r = run(strata_cli, "nmf", corpus, "-k", 5, "--warm-start", out, "-o", tmp_path / "bad", check=False)
    assert r.returncode == 1 and "W0 shape" in r.stderr
