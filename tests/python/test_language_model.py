"""strata.NeuralLanguageModel and strata lm: the loss falls, words used
interchangeably get close embeddings, factored == naive in float64, and the
command line writes embeddings.npy, vocab.txt and the similarity score."""
import json
import subprocess

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import strata

BIG_NOUNS = ["horse", "cow", "whale", "elephant"]
SMALL_NOUNS = ["mouse", "ant", "bird", "fish"]
NOUNS = BIG_NOUNS + SMALL_NOUNS
VERBS = ["sees", "likes", "chases", "finds"]


def corpus(n_docs=60, sentences=8, seed=0):
    """Sentences 'the ADJ NOUN VERB the NOUN': the synonyms big/large are
    interchangeable and announce a big animal, small/tiny a small one."""
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(n_docs):
        words = []
        for _ in range(sentences):
            if rng.random() < 0.5:
                adj, noun = rng.choice(["big", "large"]), rng.choice(BIG_NOUNS)
            else:
                adj, noun = rng.choice(["small", "tiny"]), rng.choice(SMALL_NOUNS)
            words += ["the", adj, noun, rng.choice(VERBS), "the", rng.choice(NOUNS)]
        docs.append(" ".join(words))
    return docs


def cosine(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def test_loss_falls_and_synonyms_are_closer_than_other_words():
    lm = strata.NeuralLanguageModel(context=2, dim=12, hidden=24, epochs=8, min_count=1, learning_rate=0.05,
                                    batch_size=32, random_state=0, threads=2).fit(corpus())
    losses = [h["loss"] for h in lm.history_]
    assert len(losses) == 8 and losses[-1] < 0.85 * losses[0]
    assert lm.embeddings_.shape == (len(lm.vocabulary_), 12)
    assert lm.vocabulary_[0] == "the"  # most frequent first
    others = NOUNS + VERBS + ["the"]
    assert lm.similarity("big", "large") > max(lm.similarity("big", w) for w in others + ["small", "tiny"])
    assert lm.similarity("small", "tiny") > max(lm.similarity("small", w) for w in others + ["big", "large"])


def test_factored_equals_naive_in_float64():
    kw = dict(context=3, dim=6, hidden=10, epochs=2, max_batches=15, min_count=1, batch_size=16, dtype="float64",
              random_state=3, threads=2)
    fact = strata.NeuralLanguageModel(output_update="factored", **kw).fit(corpus(20))
    naive = strata.NeuralLanguageModel(output_update="naive", **kw).fit(corpus(20))
    assert fact.vocabulary_ == naive.vocabulary_
    np.testing.assert_allclose(fact.embeddings_, naive.embeddings_, rtol=0, atol=1e-10 * np.abs(naive.embeddings_).max())
    assert fact.loss_ == pytest.approx(naive.loss_, rel=1e-10)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="loss"):
        strata.NeuralLanguageModel(loss="softmax").fit(corpus(2))
    with pytest.raises(ValueError, match="context"):
        strata.NeuralLanguageModel(context=0).fit(corpus(2))
    with pytest.raises(ValueError, match="vocabulary"):
        strata.NeuralLanguageModel(min_count=10 ** 6).fit(corpus(2))


def run(cli, *args, check=True):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=120, check=check)


def test_cli_writes_embeddings_vocabulary_and_similarity(tmp_path, strata_cli):
    text = tmp_path / "docs.txt"
    text.write_text("\n".join(corpus()) + "\n")
    sim = tmp_path / "sim.txt"
    sim.write_text("# word1 word2 score\nbig large 9\nsmall tiny 9\nbig mouse 1\nsmall whale 1\ncat zebra 5\n")
    out = tmp_path / "lm"
    run(strata_cli, "lm", text, "--context", 2, "--dim", 12, "--hidden", 24, "--epochs", 3, "--batch-size", 32,
        "--min-count", 1, "--similarity", sim, "--threads", 2, "-o", out, "-q")
    vocab = (out / "vocab.txt").read_text().split("\n")
    vocab = [w for w in vocab if w]
    E = np.load(out / "embeddings.npy")
    assert E.shape == (len(vocab), 12) and "big" in vocab
    metrics = json.loads((out / "metrics.json").read_text())
    assert [h["iteration"] for h in metrics["history"]] == [1, 2, 3]
    assert metrics["seconds_per_batch"] > 0
    assert metrics["similarity"]["pairs_used"] == 4 and metrics["similarity"]["pairs_total"] == 5
    s = metrics["similarity"]["spearman"]
    assert s is not None and -1 <= s <= 1
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "language_model" and model["parameters"]["context"] == 2


def test_cli_errors_name_the_problem(tmp_path, strata_cli):
    text = tmp_path / "docs.txt"
    text.write_text("\n".join(corpus(3)) + "\n")
    r = run(strata_cli, "lm", text, "--loss", "softmax", "-o", tmp_path / "x", check=False)
    assert r.returncode != 0 and "loss" in r.stderr
    r = run(strata_cli, "lm", text, "--similarity", tmp_path / "missing.txt", "-o", tmp_path / "y", check=False)
    assert r.returncode != 0 and "missing.txt" in r.stderr
    r = run(strata_cli, "lm", tmp_path / "nope.txt", "-o", tmp_path / "z", check=False)
    assert r.returncode != 0 and "nope.txt" in r.stderr


def test_status_and_warning_follow_whether_the_loss_fell(tmp_path, strata_cli):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        lm = strata.NeuralLanguageModel(context=2, dim=12, hidden=24, epochs=2, min_count=1, batch_size=32,
                                        random_state=0, threads=2).fit(corpus())  # the default rate
    assert lm.status_ == "finished" and lm.end_loss_ < 0.9 * lm.start_loss_
    with pytest.warns(ConvergenceWarning, match="not learning"):
        still = strata.NeuralLanguageModel(context=2, dim=12, hidden=24, epochs=2, min_count=1, batch_size=32,
                                           learning_rate=0.0, random_state=0, threads=2).fit(corpus())
    assert still.status_ == "not_learning"
    text = tmp_path / "docs.txt"
    text.write_text("\n".join(corpus()) + "\n")
    r = subprocess.run([strata_cli, "lm", str(text), "--context", "2", "--dim", "12", "--hidden", "24",
                        "--min-count", "1", "--learning-rate", "0", "-o", str(tmp_path / "lm"), "-q"],
                       capture_output=True, text=True, timeout=120, check=True)
    assert "not learning" in r.stderr
    assert json.loads((tmp_path / "lm" / "metrics.json").read_text())["status"] == "not_learning"
