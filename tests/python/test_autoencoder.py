"""strata.SparseAutoencoder: the factored output layer gives the naive layer's
network, training lowers the loss, and the estimator follows scikit-learn."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import strata


def bag_of_words(n=200, D=300, nnz=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n), nnz)
    # Zipf-like columns: frequent words are shared by many rows of a minibatch.
    cols = np.minimum((rng.pareto(1.2, n * nnz) * 10).astype(int), D - 1)
    X = sp.csr_matrix((rng.uniform(0.5, 1.5, n * nnz), (rows, cols)), shape=(n, D))
    X.sum_duplicates()
    return X


def test_factored_and_naive_train_the_same_network():
    X = bag_of_words()
    kw = dict(hidden=(16, 8), batch_size=32, epochs=3, learning_rate=0.002, dtype="float64", random_state=1,
              threads=2)
    f = strata.SparseAutoencoder(output_update="factored", **kw).fit(X)
    n = strata.SparseAutoencoder(output_update="naive", **kw).fit(X)
    assert f.n_batches_ == n.n_batches_ == 3 * 7
    np.testing.assert_allclose(f.decoder_, n.decoder_, rtol=0, atol=1e-9 * np.abs(n.decoder_).max())
    for a, b in zip(f.encoder_weights_, n.encoder_weights_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9 * np.abs(b).max())
    np.testing.assert_allclose([h["loss"] for h in f.history_], [h["loss"] for h in n.history_], rtol=1e-9)
    # The factored layer reports its stabilization: passes are checks that corrected V; the
    # corrections are deferred and applied to all of V only in flushes, when many are pending.
    assert set(f.stabilization_) == {"checks", "corrections", "passes", "flushes", "directions", "folds", "resyncs"}
    assert 0 <= f.stabilization_["passes"] <= f.stabilization_["checks"]
    assert 0 <= f.stabilization_["flushes"] <= f.stabilization_["passes"]
    assert 0 <= f.stabilization_["directions"] <= f.stabilization_["corrections"]


@pytest.mark.parametrize("loss", ["squared", "spherical", "taylor", "zloss"])
def test_training_lowers_the_loss(loss):
    X = bag_of_words(seed=2)
    lr = 0.003  # summed loss of 20 rows: larger steps diverge for the squared error
    m = strata.SparseAutoencoder(hidden=16, loss=loss, batch_size=20, epochs=8, learning_rate=lr,
                                 activation="tanh", random_state=0).fit(X)
    losses = [h["loss"] for h in m.history_]
    assert len(losses) == 8 and np.all(np.isfinite(losses))
    assert losses[-1] < 0.9 * losses[0], losses


def test_transform_gives_the_codes():
    X = bag_of_words(seed=3)
    m = strata.SparseAutoencoder(hidden=(12,), epochs=2, batch_size=50, random_state=0)
    codes = m.fit_transform(X)
    assert codes.shape == (X.shape[0], 12)
    np.testing.assert_allclose(m.transform(X), codes, rtol=1e-12, atol=1e-12)
    assert m.decoder_.shape == (X.shape[1], 12) and m.encoder_weights_[0].shape == (X.shape[1], 12)
    # the codes are the hidden layer computed by hand from the weights
    np.testing.assert_allclose(np.maximum(X @ m.encoder_weights_[0] + m.encoder_biases_[0], 0), codes, atol=1e-12)
    assert clone(m).get_params()["hidden"] == (12,)


def test_deterministic_for_a_seed():
    X = bag_of_words(seed=4)
    a = strata.SparseAutoencoder(hidden=8, epochs=2, random_state=5, threads=2).fit(X)
    b = strata.SparseAutoencoder(hidden=8, epochs=2, random_state=5, threads=2).fit(X)
    np.testing.assert_array_equal(a.decoder_, b.decoder_)


@pytest.mark.parametrize("params", [dict(loss="softmax"), dict(output_update="fast"), dict(hidden=()),
                                    dict(hidden=(0,)), dict(learning_rate=-1.0), dict(batch_size=0),
                                    dict(dtype="float16")])
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        strata.SparseAutoencoder(**params).fit(bag_of_words(n=20))


@pytest.fixture(scope="module")
def brown(brown_tsv):
    corpus = strata.load_corpus(str(brown_tsv), format="tsv", id_column=1, label_column=2, text_column=3,
                                stop_words="english", min_df=2)
    return corpus.matrix.tocsr()


def svd_relative_error(X, k):
    """Mean over rows of ||x - x V V^T||^2 / ||x||^2 for the rank-k truncated SVD (the autoencoder's measure)."""
    from scipy.sparse.linalg import svds
    vt = svds(X, k, tol=0)[2]
    norms = np.asarray(X.multiply(X).sum(axis=1)).ravel()
    return float(np.mean(1 - ((X @ vt.T) ** 2).sum(axis=1) / norms))


def test_defaults_learn_on_brown_tfidf(brown):
    # 500 TF-IDF rows, 20 epochs of the default minibatch (80 steps): the defaults close most of the
    # gap between predicting zeros (1.0) and the rank-16 truncated SVD; the previous plain step does not move.
    svd = svd_relative_error(brown, 16)
    m = strata.SparseAutoencoder(hidden=16, epochs=20, random_state=0, threads=2).fit(brown)
    assert m.status_ == "finished" and m.dead_units_ == 0
    assert (1 - m.relative_error_) / (1 - svd) > 0.6, (m.relative_error_, svd)
    assert m.end_loss_ < 0.95 * m.start_loss_
    # the reported error is the rows' relative error of o = W h, computed here from the model
    norms = np.asarray(brown.multiply(brown).sum(axis=1)).ravel()
    H, W = m.transform(brown), m.decoder_
    err = (norms - 2 * ((brown @ W) * H).sum(axis=1) + ((H @ (W.T @ W)) * H).sum(axis=1)) / norms
    assert m.relative_error_ == pytest.approx(err.mean(), rel=1e-6)
    with pytest.warns(ConvergenceWarning, match="not learning"):
        old = strata.SparseAutoencoder(hidden=16, epochs=20, optimizer="sgd", learning_rate=0.01, random_state=0,
                                       threads=2).fit(brown)
    assert old.status_ == "not_learning" and old.relative_error_ > 0.98


def test_zero_rates_warn_and_set_the_status():
    X = bag_of_words(seed=6)
    with pytest.warns(ConvergenceWarning, match="not learning"):
        m = strata.SparseAutoencoder(hidden=8, epochs=3, learning_rate=0.0, output_rate=0.0, random_state=0).fit(X)
    assert m.status_ == "not_learning"
    assert m.relative_error_ == pytest.approx(1.0, abs=1e-12)  # the output layer starts at zero
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ok = strata.SparseAutoencoder(hidden=8, epochs=3, batch_size=20, random_state=0).fit(X)
    assert ok.status_ == "finished" and ok.relative_error_ < 0.9


def test_scaled_defaults_are_invariant_to_the_rows_scale():
    X = bag_of_words(seed=7)
    kw = dict(hidden=8, epochs=3, batch_size=20, dtype="float64", random_state=0, threads=2)
    a = strata.SparseAutoencoder(**kw).fit(X)
    b = strata.SparseAutoencoder(**kw).fit(X * 1000.0)
    assert a.relative_error_ == pytest.approx(b.relative_error_, abs=1e-6)
    np.testing.assert_allclose(b.decoder_ / 1000.0, a.decoder_, atol=1e-6 * np.abs(a.decoder_).max())


@pytest.mark.parametrize("params", [dict(optimizer="rmsprop"), dict(output_rate=1.5), dict(output_rate=-0.1)])
def test_bad_rates_raise(params):
    with pytest.raises(ValueError):
        strata.SparseAutoencoder(**params).fit(bag_of_words(n=20))
