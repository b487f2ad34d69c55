"""strata's estimators as drop-ins for scikit-learn's: the defects a
scikit-learn user hit (issue 20), each against scikit-learn on the same data."""
import json
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.decomposition as skd
from sklearn.datasets import load_iris

import strata


def tfidf_like(n=60, m=40, density=0.3, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(n, m, density=density, random_state=rng, format="csr")
    X.data = rng.uniform(0.1, 1.0, X.nnz)
    return X


@pytest.mark.parametrize("solver", ["cd", "bpp"])
def test_nmf_factors_are_balanced(solver):
    # Extrapolated HALS and BPP left rows of H near 1e3 (8.6e4 with bpp) where scikit-learn's stay near 3.
    X = tfidf_like()
    model = strata.NMF(n_components=6, solver=solver, random_state=0, max_iter=300)
    W = model.fit_transform(X)
    np.testing.assert_allclose(np.linalg.norm(W, axis=0), np.linalg.norm(model.components_, axis=1), rtol=1e-9)
    sk = skd.NMF(n_components=6, init="nndsvda", random_state=0, max_iter=300).fit(X)
    # Same scale as scikit-learn's (within a factor of 3), not orders of magnitude away.
    ratio = np.linalg.norm(model.components_) / np.linalg.norm(sk.components_)
    assert 1 / 3 < ratio < 3, ratio


def exact_rank(n, m, k, seed):
    """A positive matrix of rank exactly k: NNDSVD starts the same in both libraries (their SVDs are exact)."""
    rng = np.random.RandomState(seed)
    return rng.uniform(0.1, 1.0, (n, k)) @ rng.uniform(0.1, 1.0, (k, m))


def test_nmf_mu_keeps_sklearn_scales():
    # MU is scikit-learn's algorithm iterate for iterate (stopping rule included): no rebalancing.
    X = sp.csr_matrix(exact_rank(60, 40, 5, seed=1))
    kw = dict(n_components=5, solver="mu", init="nndsvda", random_state=0, max_iter=300)
    ours, theirs = strata.NMF(**kw), skd.NMF(**kw)
    W, Ws = ours.fit_transform(X), theirs.fit_transform(X)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(W, Ws, rtol=1e-6, atol=1e-10)


def test_more_components_than_samples():
    X = tfidf_like(n=10, m=50, seed=2)
    W = strata.NMF(n_components=30, init="random", random_state=0).fit_transform(X)
    assert W.shape == (10, 30)
    model = strata.NMF(random_state=0, max_iter=50)  # scikit-learn's default: n_components = n_features
    assert model.fit_transform(X).shape == (10, 50)
    with pytest.raises(ValueError, match="init = 'nndsvda'"):
        strata.NMF(n_components=30, init="nndsvda").fit(X)


def test_non_negative_factorization_is_the_estimator():
    X = tfidf_like(seed=3)
    W, H, n_iter = strata.non_negative_factorization(X, n_components=4, random_state=0, max_iter=300)
    model = strata.NMF(n_components=4, random_state=0, max_iter=300)
    np.testing.assert_allclose(W, model.fit_transform(X))
    np.testing.assert_allclose(H, model.components_)
    assert n_iter == model.n_iter_
    W2, H2, n2 = strata.non_negative_factorization(X, H=H, update_H=False, n_components=4)
    np.testing.assert_allclose(W2, model.transform(X))
    assert H2 is not None and n2 == 0
    with pytest.raises(TypeError, match="same dtype"):
        strata.non_negative_factorization(X, H=H.astype(np.float32), update_H=False)


@pytest.mark.parametrize("beta_loss", [0.0, "itakura-saito", 0.5, 1.5, 3.0])
def test_beta_divergences_equal_sklearn(beta_loss):
    X = exact_rank(30, 12, 4, seed=4)
    kw = dict(n_components=4, solver="mu", beta_loss=beta_loss, init="nndsvda", random_state=0, max_iter=200)
    ours, theirs = strata.NMF(**kw), skd.NMF(**kw)
    W, Ws = ours.fit_transform(X), theirs.fit_transform(X)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(W, Ws, rtol=1e-6)
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=1e-6)
    np.testing.assert_allclose(ours.reconstruction_err_, theirs.reconstruction_err_, rtol=1e-9)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-6)


def test_beta_divergence_refusals():
    X = np.abs(np.random.RandomState(5).randn(10, 6))
    X[0, 0] = 0.0
    with pytest.raises(ValueError, match="beta_loss <= 0 and X contains zeros"):
        strata.NMF(2, solver="mu", beta_loss="itakura-saito").fit(X)
    with pytest.raises(ValueError, match="Invalid beta_loss parameter: solver 'cd'"):
        strata.NMF(2, beta_loss=0.5).fit(X)
    with pytest.raises(ValueError, match="Invalid beta_loss parameter: solver 'cd'"):
        strata.NMF(2, beta_loss="kullback-leibler").fit(X)  # scikit-learn's 'cd' is Frobenius only
    strata.NMF(2, solver="hals", beta_loss="kullback-leibler").fit(X)  # strata's KL coordinate descent


@pytest.mark.parametrize("shape", [(80, 50), (50, 80)])
@pytest.mark.parametrize("sparse", [False, True])
def test_randomized_svd_fit_transform_equals_transform(shape, sparse):
    X = tfidf_like(*shape, seed=6)
    X = X if sparse else X.toarray()
    svd = strata.TruncatedSVD(n_components=5, algorithm="randomized", random_state=0)
    Y = svd.fit_transform(X)
    np.testing.assert_allclose(Y, svd.transform(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(svd.explained_variance_, np.var(Y, axis=0), rtol=1e-10)


def test_truncated_svd_arpack_needs_fewer_components_than_min_shape():
    X = tfidf_like(20, 10, seed=7)
    with pytest.raises(ValueError):
        strata.TruncatedSVD(n_components=10, algorithm="arpack").fit(X)
    strata.TruncatedSVD(n_components=10, algorithm="lanczos").fit(X)


@pytest.mark.parametrize("whiten", [False, True])
def test_pca_probabilistic_model_equals_sklearn(whiten):
    X = load_iris().data
    ours = strata.PCA(n_components=2, whiten=whiten, svd_solver="full").fit(X)
    theirs = skd.PCA(n_components=2, whiten=whiten, svd_solver="full").fit(X)
    np.testing.assert_allclose(np.abs(ours.transform(X)), np.abs(theirs.transform(X)), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.get_covariance(), theirs.get_covariance(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.get_precision(), theirs.get_precision(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-8)
    np.testing.assert_allclose(ours.score(X), theirs.score(X), rtol=1e-8)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                               theirs.inverse_transform(theirs.transform(X)), rtol=1e-8, atol=1e-10)


def test_pca_mle_equals_sklearn():
    rng = np.random.RandomState(8)
    X = rng.randn(300, 12) @ np.diag([5, 4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1]) + rng.randn(300, 12) * 0.1
    ours = strata.PCA(n_components="mle").fit(X)
    theirs = skd.PCA(n_components="mle").fit(X)
    assert ours.n_components_ == theirs.n_components_
    np.testing.assert_allclose(ours.noise_variance_, theirs.noise_variance_, rtol=1e-8)


def test_pca_keeps_float32():
    X = np.random.RandomState(9).rand(200, 6).astype(np.float32)
    pca = strata.PCA(n_components=3).fit(X)
    assert pca.components_.dtype == np.float32 and pca.transform(X).dtype == np.float32


def test_cli_nmf_itakura_saito(tmp_path, strata_cli):
    X = np.abs(np.random.RandomState(10).randn(20, 8)) + 0.5
    path = tmp_path / "x.mtx"
    import scipy.io
    scipy.io.mmwrite(str(path), sp.coo_matrix(X))
    out = tmp_path / "is"
    subprocess.run([strata_cli, "nmf", str(path), "-k", "3", "--loss", "itakura-saito", "--solver", "mu",
                    "-o", str(out), "--max-iter", "50", "--tol", "0"], check=True, capture_output=True)
    model = json.loads((out / "model.json").read_text())
    assert model["parameters"]["loss"] == "beta" and model["parameters"]["beta"] == 0.0
    theirs = skd.NMF(3, solver="mu", beta_loss="itakura-saito", init="nndsvda", max_iter=50, tol=0).fit(X)
    metrics = json.loads((out / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["loss"], 0.5 * theirs.reconstruction_err_ ** 2, rtol=1e-8)
    bad = subprocess.run([strata_cli, "nmf", str(path), "-k", "3", "--loss", "itakura-saito", "-o",
                          str(tmp_path / "bad")], capture_output=True, text=True)
    assert bad.returncode != 0 and "mu" in bad.stderr


def _small_estimators():
    return [strata.NMF(2), strata.TruncatedSVD(2), strata.PCA(2), strata.SSNMF(n_components=2),
            strata.NMFk(k_min=2, k_max=3, n_perturbations=3), strata.HierarchicalNMF([2, 1], epochs=3),
            strata.SparseAutoencoder(hidden=(4,), epochs=1)]


@pytest.mark.parametrize("estimator", _small_estimators(), ids=lambda e: type(e).__name__)
def test_not_fitted_error_and_feature_names(estimator):
    from sklearn.exceptions import NotFittedError
    X = np.abs(np.random.RandomState(11).rand(40, 12))
    with pytest.raises(NotFittedError):
        estimator.transform(X)
    if isinstance(estimator, strata.SSNMF):
        estimator.fit(X, np.arange(40) % 2)
    else:
        estimator.fit(X)
    names = estimator.get_feature_names_out()
    assert len(names) == estimator.transform(X).shape[1]
    assert names[0] == type(estimator).__name__.lower() + "0"


@pytest.mark.parametrize("estimator", [strata.NMFk(k_min=2, k_max=3, n_perturbations=3, max_iter=50),
                                       strata.SparseAutoencoder(hidden=(4,), epochs=1)],
                         ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    import warnings
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator)


def test_nmfk_clips_k_max_to_the_data():
    X = np.abs(np.random.RandomState(12).rand(30, 4))
    model = strata.NMFk(k_min=2, k_max=10, n_perturbations=3, random_state=0).fit(X)
    assert [c["k"] for c in model.curve_] == [2, 3, 4]
    with pytest.raises(ValueError, match="k_min = 5 exceeds"):
        strata.NMFk(k_min=5, k_max=10).fit(X)
