"""strata ssnmf from the command line: the model directory, labels from a
file or from the corpus, --holdout, topics/transform on the result, bad input."""
import json
import subprocess

import numpy as np
import pytest
from scipy.optimize import nnls

import strata


def nnls_map(codes, classes, n_classes):
    """B = argmin_{B >= 0} ||Y - codes B||_F, Y one-hot."""
    Y = np.eye(n_classes)[classes]
    return np.array([nnls(codes, Y[:, c])[0] for c in range(n_classes)]).T


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="module")
def brown_corpus(tmp_path_factory, strata_cli, brown_tsv):
    d = tmp_path_factory.mktemp("ssnmf")
    corpus = d / "brown.strata"
    run(strata_cli, "vectorize", brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2,
        "--text-column", 3, "--stop-words", "english", "--min-df", 2, "--max-df", 0.5, "-o", corpus, "-q")
    return d, corpus


@pytest.fixture(scope="module")
def labels_file(brown_corpus):
    """Informative / imaginative for every other document, empty lines for the rest."""
    d, corpus = brown_corpus
    genres = strata.load_corpus(corpus).labels
    informative = {"news", "editorial", "reviews", "religion", "hobbies", "lore", "belles_lettres", "government",
                   "learned"}
    truth = ["informative" if g in informative else "imaginative" for g in genres]
    path = d / "groups.txt"
    path.write_text("".join((t if i % 2 == 0 else "") + "\n" for i, t in enumerate(truth)))
    return path, truth


@pytest.fixture(scope="module")
def model(brown_corpus, labels_file, strata_cli):
    d, corpus = brown_corpus
    out = d / "model"
    result = run(strata_cli, "ssnmf", corpus, "-k", 10, "--labels", labels_file[0], "--seed", 2, "--threads", 2,
                 "--max-iter", 100, "-o", out)
    return out, result.stdout


def test_model_directory(model, brown_corpus, labels_file):
    out, stdout = model
    X = strata.load_corpus(brown_corpus[1]).matrix
    W, H, B = np.load(out / "W.npy"), np.load(out / "H.npy"), np.load(out / "B.npy")
    assert W.shape == (500, 10) and H.shape == (10, X.shape[1]) and B.shape == (10, 2)
    assert min(W.min(), H.min(), B.min()) >= 0
    classes = (out / "classes.txt").read_text().split("\n")[:-1]
    assert classes == ["imaginative", "informative"]
    predicted = (out / "predicted_labels.txt").read_text().split("\n")[:-1]
    assert len(predicted) == 500
    seen = (out / "labels.txt").read_text().split("\n")[:-1]
    # argmax of w B, w the fold-in codes (NNLS against H); a document whose
    # scores are all zero gets the most frequent labeled class.
    majority = max(classes, key=lambda c: seen.count(c))
    dense = X.toarray()
    codes = np.array([nnls(H.T, dense[i])[0] for i in range(dense.shape[0])])
    S = codes @ B
    assert np.allclose(B, nnls_map(codes[[i for i, s in enumerate(seen) if s]], [classes.index(s) for s in seen if s],
                                   len(classes)), rtol=1e-6, atol=1e-9)
    agree = [p == (classes[c] if S[i].max() > 0 else majority) for i, (p, c) in enumerate(zip(predicted, np.argmax(S, 1)))]
    assert np.mean(agree) >= 0.99  # up to ties at the NNLS tolerance
    assert seen == [t if i % 2 == 0 else "" for i, t in enumerate(labels_file[1])]
    metrics = json.loads((out / "metrics.json").read_text())
    labeled = [i for i, s in enumerate(seen) if s]
    assert metrics["training_accuracy"] == pytest.approx(np.mean([predicted[i] == seen[i] for i in labeled]))
    assert metrics["labeled_documents"] == 250
    # lambda chosen by 3-fold cross-validation (every one of the 250 labels hidden from one fit) among 0.1, 1,
    # 10 x the balance value: the best pooled accuracy, ties to the smaller log-loss.
    assert metrics["validation_documents"] == 250
    assert [c["lambda_multiple"] for c in metrics["selection"]] == pytest.approx([0.1, 1, 10])
    assert all(len(c["fold_accuracy"]) == 3 for c in metrics["selection"])
    best = max(metrics["selection"], key=lambda c: (c["accuracy"], -c["log_loss"]))
    assert metrics["validation_accuracy"] == best["accuracy"]
    # Pooled over folds of 84, 83 and 83 documents: within rounding of the folds' mean.
    assert all(abs(c["accuracy"] - np.mean(c["fold_accuracy"])) < 0.01 for c in metrics["selection"])
    assert metrics["lambda"] == pytest.approx(best["lambda_multiple"] * X.power(2).sum() / 250, rel=1e-12)
    history = metrics["history"]
    assert all(set(h) == {"iteration", "seconds", "loss", "relative_error"} for h in history)
    losses = [h["loss"] for h in history]
    assert all(b <= a * (1 + 1e-10) for a, b in zip(losses, losses[1:]))
    assert metrics["relative_error"] == pytest.approx(np.linalg.norm(X.toarray() - W @ H) / np.sqrt(X.power(2).sum()),
                                                      rel=1e-8)
    model_json = json.loads((out / "model.json").read_text())
    assert model_json["kind"] == "ssnmf" and model_json["parameters"]["k"] == 10
    assert model_json["parameters"]["folds"] == 3
    # The unlabeled half is classified far better than by chance.
    truth = labels_file[1]
    hidden = [i for i in range(500) if i % 2 == 1]
    assert np.mean([predicted[i] == truth[i] for i in hidden]) > 0.85
    assert "validation accuracy: %.4f" % metrics["validation_accuracy"] in stdout
    assert "accuracy on the labeled documents" not in stdout


def test_topics_and_transform_read_the_model(model, brown_corpus, strata_cli, tmp_path):
    out, _ = model
    topics = run(strata_cli, "topics", out, "--top", 5).stdout.strip().split("\n")
    assert len(topics) == 10
    codes = tmp_path / "codes.npy"
    run(strata_cli, "transform", out, brown_corpus[1], "-o", codes, "-q")
    assert np.load(codes).shape == (500, 10)


def test_corpus_labels_and_holdout(brown_corpus, strata_cli):
    d, corpus = brown_corpus
    out = d / "genres"
    stdout = run(strata_cli, "ssnmf", corpus, "-k", 15, "--holdout", 0.4, "--seed", 1, "--threads", 2,
                 "--max-iter", 30, "-o", out).stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["held_out_documents"] == 200 and metrics["labeled_documents"] == 300
    assert len(metrics["classes"]) == 15
    # 15 genres from 300 labels: well above the 16% of the largest genre.
    assert metrics["held_out_accuracy"] > 0.4
    assert "held-out" in stdout
    seen = (out / "labels.txt").read_text().split("\n")[:-1]
    assert sum(1 for s in seen if not s) == 200


def test_kl_losses_run(brown_corpus, labels_file, strata_cli, tmp_path):
    _, corpus = brown_corpus
    run(strata_cli, "ssnmf", corpus, "-k", 4, "--labels", labels_file[0], "--loss", "kl", "--label-loss", "kl",
        "--max-iter", 8, "--threads", 2, "-o", tmp_path / "kl", "-q")
    metrics = json.loads((tmp_path / "kl" / "metrics.json").read_text())
    losses = [h["loss"] for h in metrics["history"]]
    assert all(b <= a * (1 + 1e-10) for a, b in zip(losses, losses[1:]))


def test_bad_input(brown_corpus, strata_cli, tmp_path):
    _, corpus = brown_corpus
    short = tmp_path / "short.txt"
    short.write_text("a\nb\n")
    r = run(strata_cli, "ssnmf", corpus, "-k", 3, "--labels", short, "-o", tmp_path / "x", check=False)
    assert r.returncode == 1 and str(short) in r.stderr and "500" in r.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n" * 500)
    r = run(strata_cli, "ssnmf", corpus, "-k", 3, "--labels", empty, "-o", tmp_path / "x", check=False)
    assert r.returncode == 1 and "no document is labeled" in r.stderr
    r = run(strata_cli, "ssnmf", corpus, "-k", 3, "--labels", tmp_path / "missing.txt", "-o", tmp_path / "x",
            check=False)
    assert r.returncode == 1 and "missing.txt" in r.stderr
    unlabeled = tmp_path / "plain.mtx"
    unlabeled.write_text("%%MatrixMarket matrix coordinate real general\n3 3 3\n1 1 1\n2 2 1\n3 3 1\n")
    r = run(strata_cli, "ssnmf", unlabeled, "-k", 2, "-o", tmp_path / "x", check=False)
    assert r.returncode == 1 and "--labels is required" in r.stderr
    r = run(strata_cli, "ssnmf", corpus, "-k", 3, "--lambda", -2, "-o", tmp_path / "x", check=False)
    assert r.returncode == 1 and "lambda" in r.stderr
    r = run(strata_cli, "ssnmf", corpus, "-k", 3, "--solver", "bpp", "--loss", "kl", "-o", tmp_path / "x",
            check=False)
    assert r.returncode == 1 and "solver" in r.stderr


def read_predictions(path):
    return [line.split("\t") for line in path.read_text().split("\n")[:-1]]


def test_predict_round_trip(model, brown_corpus, brown_tsv, strata_cli, tmp_path):
    """strata predict on the training corpus reproduces predicted_labels.txt (the
    same fold-in rule); on the raw text, vectorized with the model's vocabulary
    and idf, it gives the same classes."""
    out, _ = model
    predicted = (out / "predicted_labels.txt").read_text().split("\n")[:-1]
    from_corpus = tmp_path / "corpus.tsv"
    run(strata_cli, "predict", out, brown_corpus[1], "-o", from_corpus, "--threads", 2)
    rows = read_predictions(from_corpus)
    assert [r[1] for r in rows] == predicted
    ids = strata.load_corpus(brown_corpus[1]).doc_ids
    assert [r[0] for r in rows] == list(ids)
    scores = np.array([float(r[2]) for r in rows])
    assert np.all((scores >= 0.5 - 1e-9) & (scores <= 1 + 1e-9))  # two classes: the winner's share
    from_text = tmp_path / "text.tsv"
    stdout = run(strata_cli, "predict", out, brown_tsv, "--format", "tsv", "--id-column", 1, "--label-column", 2,
                 "--text-column", 3, "-o", from_text).stdout
    assert [r[1] for r in read_predictions(from_text)] == predicted
    assert "500 documents classified" in stdout
    # To stdout without -o.
    assert run(strata_cli, "predict", out, brown_corpus[1], "-q").stdout == from_corpus.read_text()


def test_predict_hierarchical_model(brown_corpus, labels_file, strata_cli, tmp_path):
    """A Neural NMF model with labels: the forward pass of the training corpus is
    the model's own last layer, so predict reproduces its predicted labels."""
    _, corpus = brown_corpus
    out = tmp_path / "hnmf"
    run(strata_cli, "hnmf", corpus, "--ranks", "6,3", "--method", "neural", "--epochs", 3, "--labels",
        labels_file[0], "--threads", 2, "-o", out, "-q")
    predictions = tmp_path / "p.tsv"
    run(strata_cli, "predict", out, corpus, "-o", predictions, "-q")
    predicted = (out / "predicted_labels.txt").read_text().split("\n")[:-1]
    got = [r[1] for r in read_predictions(predictions)]
    assert len(got) == 500
    assert np.mean([a == b for a, b in zip(got, predicted)]) >= 0.99
    # An unsupervised model does not classify.
    plain = tmp_path / "plain"
    run(strata_cli, "hnmf", corpus, "--ranks", "4,2", "--method", "sequential", "--threads", 2, "-o", plain, "-q")
    r = run(strata_cli, "predict", plain, corpus, check=False)
    assert r.returncode != 0 and "without labels" in r.stderr
    r = run(strata_cli, "nmf", corpus, "-k", 3, "--max-iter", 5, "-o", tmp_path / "nmf", "-q")
    r = run(strata_cli, "predict", tmp_path / "nmf", corpus, check=False)
    assert r.returncode != 0 and "ssnmf" in r.stderr
