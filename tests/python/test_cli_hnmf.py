"""strata hnmf / topics on a hierarchical model from the command line."""
import json
import subprocess

import numpy as np
import pytest

import strata


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def brown_corpus(tmp_path_factory, strata_cli, brown_tsv):
    d = tmp_path_factory.mktemp("hnmf")
    corpus = d / "brown.strata"
    run(strata_cli, "vectorize", brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2,
        "--text-column", 3, "--stop-words", "english", "--min-df", 2, "-o", corpus, "-q")
    return d, corpus


def test_unsupervised_model_directory_and_tree(brown_corpus, strata_cli):
    d, corpus = brown_corpus
    out = d / "neural"
    printed = run(strata_cli, "hnmf", corpus, "--ranks", "6,2", "--method", "neural", "--epochs", 10,
                  "--threads", 1, "--top", 5, "-o", out).stdout
    X = strata.load_corpus(corpus).matrix
    n, m = X.shape
    W0, H0, W1, H1, M1 = (np.load(out / f) for f in ("W_0.npy", "H_0.npy", "W_1.npy", "H_1.npy", "M_1.npy"))
    assert W0.shape == (n, 6) and H0.shape == (6, m) and W1.shape == (n, 2) and M1.shape == (2, 6)
    np.testing.assert_allclose(H1, M1 @ H0, atol=1e-12)
    metrics = json.loads((out / "metrics.json").read_text())
    assert [e["rank"] for e in metrics["layers"]] == [6, 2]
    Xd = X.toarray()
    for e, W, T in zip(metrics["layers"], (W0, W1), (H0, H1)):
        assert e["relative_error"] == pytest.approx(np.linalg.norm(Xd - W @ T) / np.linalg.norm(Xd), rel=1e-8)
        assert "accuracy" not in e  # the corpus's labels are not used without --supervised
    assert [h["iteration"] for h in metrics["history"]] == list(range(len(metrics["history"])))
    assert not (out / "predicted_labels.txt").exists()
    tree = json.loads((out / "tree.json").read_text())
    assert tree["ranks"] == [6, 2]
    tops = tree["layers"][1]["topics"]
    assert all(abs(sum(c["weight"] for c in t["children"]) - 1) < 1e-9 for t in tops)
    assert all(t["parent"] in (0, 1) for t in tree["layers"][0]["topics"])
    # strata topics prints the same tree: both top topics, each of the six under one parent.
    shown = run(strata_cli, "topics", out, "--top", 5).stdout
    assert shown in printed
    lines = shown.splitlines()
    assert sum(line.startswith("layer 1 topic") for line in lines) == 2
    assert sum(line.lstrip().startswith("[") and "layer 0 topic" in line for line in lines) == 6
    assert json.loads(run(strata_cli, "topics", out, "--json").stdout) == tree


def test_supervised_with_a_labels_file(brown_corpus, strata_cli):
    d, corpus = brown_corpus
    genres = strata.load_corpus(corpus).labels
    labels = d / "labels.txt"
    # Informative (genres a-j) vs imaginative prose (k-r), 60% of the documents labeled.
    rng = np.random.default_rng(0)
    kinds = ["informative" if g[0] <= "j" else "imaginative" for g in genres]
    given = [k if rng.random() < 0.6 else "" for k in kinds]
    labels.write_text("\n".join(given) + "\n")
    out = d / "supervised"
    run(strata_cli, "hnmf", corpus, "--ranks", "6,2", "--labels", labels, "--epochs", 10, "--threads", 1, "-o", out,
        "-q")
    predicted = (out / "predicted_labels.txt").read_text().splitlines()
    assert len(predicted) == len(genres) and set(predicted) <= {"informative", "imaginative"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert all(0 <= e["accuracy"] <= 1 for e in metrics["layers"])
    assert metrics["labeled_documents"] == sum(1 for g in given if g)
    agree = np.mean([p == k for p, k, g in zip(predicted, kinds, given) if g])
    assert metrics["layers"][-1]["accuracy"] == pytest.approx(agree)


def test_bad_arguments_name_the_problem(brown_corpus, strata_cli, tmp_path):
    d, corpus = brown_corpus
    r = run(strata_cli, "hnmf", corpus, "--ranks", "4,x", "-o", tmp_path / "a", check=False)
    assert r.returncode != 0 and "ranks" in r.stderr
    r = run(strata_cli, "hnmf", corpus, "--ranks", "2,4", "-o", tmp_path / "b", check=False)
    assert r.returncode != 0 and "ranks[1]" in r.stderr
    short = tmp_path / "short.txt"
    short.write_text("a\nb\n")
    r = run(strata_cli, "hnmf", corpus, "--ranks", "4,2", "--labels", short, "-o", tmp_path / "c", check=False)
    assert r.returncode != 0 and "short.txt" in r.stderr
    r = run(strata_cli, "hnmf", corpus, "--ranks", "4,2", "--method", "wide", "-o", tmp_path / "d", check=False)
    assert r.returncode != 0 and "method" in r.stderr
