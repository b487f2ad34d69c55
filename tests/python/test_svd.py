"""strata.TruncatedSVD / strata.PCA against scipy and scikit-learn, and `strata svd`."""
import json
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.decomposition import PCA as SkPCA
from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD

import strata


@pytest.fixture(scope="module")
def brown(brown_tsv):
    corpus = strata.load_corpus(str(brown_tsv), format="tsv", id_column=1, label_column=2, text_column=3,
                                stop_words="english", min_df=2)
    return corpus.matrix.tocsr()


def _sign_align(A, B):
    """B's columns flipped to A's signs."""
    return B * np.sign(np.sum(A * B, axis=0))


@pytest.mark.parametrize("algorithm", ["lanczos", "arpack"])
def test_singular_values_equal_svds_on_tfidf(brown, algorithm):
    k = 20
    model = strata.TruncatedSVD(k, algorithm=algorithm, random_state=0, threads=2).fit(brown)
    ref = np.sort(svds(brown, k, tol=0)[1])[::-1]
    np.testing.assert_allclose(model.singular_values_, ref, rtol=1e-6)
    assert model.components_.shape == (k, brown.shape[1])
    np.testing.assert_allclose(model.components_ @ model.components_.T, np.eye(k), atol=1e-8)


def test_randomized_is_close_to_svds(brown):
    k = 10
    model = strata.TruncatedSVD(k, algorithm="randomized", n_iter=10, random_state=0).fit(brown)
    ref = np.sort(svds(brown, k, tol=0)[1])[::-1]
    np.testing.assert_allclose(model.singular_values_[:3], ref[:3], rtol=1e-5)
    np.testing.assert_allclose(model.singular_values_, ref, rtol=1e-2)


def test_truncated_svd_matches_sklearn_up_to_sign(brown):
    k = 8
    ours = strata.TruncatedSVD(k, random_state=0)
    Y = ours.fit_transform(brown)
    sk = SkTruncatedSVD(k, algorithm="arpack", tol=0, random_state=0)
    Ysk = sk.fit_transform(brown)
    assert Y.shape == (brown.shape[0], k)
    np.testing.assert_allclose(ours.singular_values_, sk.singular_values_, rtol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_, sk.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(ours.components_.T, _sign_align(ours.components_.T, sk.components_.T), atol=1e-7)
    np.testing.assert_allclose(Y, _sign_align(Y, Ysk), atol=1e-7)
    # transform of the training data is fit_transform; inverse_transform maps back.
    np.testing.assert_allclose(ours.transform(brown), Y, atol=1e-10)
    back = ours.inverse_transform(Y)
    assert back.shape == brown.shape
    np.testing.assert_allclose(back, Y @ ours.components_)
    # More components, lower reconstruction error.
    err = np.linalg.norm(brown.toarray() - back)
    err2 = np.linalg.norm(brown.toarray() - strata.TruncatedSVD(2 * k).fit(brown).inverse_transform(
        strata.TruncatedSVD(2 * k).fit_transform(brown)))
    assert err2 < err


@pytest.mark.parametrize("solver", ["auto", "randomized"])
def test_pca_matches_sklearn_full_on_densified_slice(brown, solver):
    X = brown[:120]
    X = X[:, np.flatnonzero(X.getnnz(axis=0) > 0)][:, :400].tocsr()
    k = 6
    ours = strata.PCA(k, svd_solver=solver, random_state=0, iterated_power=12 if solver == "randomized" else "auto")
    Y = ours.fit_transform(X)
    sk = SkPCA(k, svd_solver="full").fit(X.toarray())
    tol = 1e-6 if solver == "auto" else 1e-4
    np.testing.assert_allclose(ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=tol, atol=1e-12)
    np.testing.assert_allclose(ours.explained_variance_, sk.explained_variance_, rtol=tol)
    np.testing.assert_allclose(ours.singular_values_, sk.singular_values_, rtol=tol)
    np.testing.assert_allclose(ours.mean_, sk.mean_, atol=1e-14)
    Ysk = sk.transform(X.toarray())
    if solver == "auto":
        np.testing.assert_allclose(Y, _sign_align(Y, Ysk), atol=1e-8)
        np.testing.assert_allclose(ours.noise_variance_, sk.noise_variance_, rtol=1e-6)
    # sparse transform (centered implicitly) == dense transform; inverse adds the mean back.
    np.testing.assert_allclose(ours.transform(X), ours.transform(X.toarray()), atol=1e-12)
    # The randomized factors are approximate, so U diag(s) and Xc V differ slightly.
    np.testing.assert_allclose(ours.transform(X), Y, atol=1e-8 if solver == "auto" else 1e-5)
    back = ours.inverse_transform(Y)
    assert back.shape == X.shape
    np.testing.assert_allclose(back.mean(axis=0), ours.mean_, atol=1e-10)


def test_pca_dense_input_and_fraction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8)) @ np.diag([5, 4, 3, 2, 1, 0.5, 0.2, 0.1]) + 3.0
    ours = strata.PCA().fit(X)
    sk = SkPCA(svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=1e-10)
    assert ours.n_components_ == 8 and ours.n_features_in_ == 8
    frac = strata.PCA(0.9).fit(X)
    assert frac.n_components_ == SkPCA(0.9, svd_solver="full").fit(X).n_components_


def test_bad_arguments_raise():
    X = sp.random(30, 20, density=0.3, random_state=0, format="csr")
    with pytest.raises(ValueError, match="n_components"):
        strata.TruncatedSVD(21).fit(X)
    with pytest.raises(ValueError, match="algorithm"):
        strata.TruncatedSVD(2, algorithm="qr").fit(X)
    with pytest.raises(ValueError, match="svd_solver"):
        strata.PCA(2, svd_solver="qr").fit(X)
    m = strata.TruncatedSVD(2).fit(X)
    with pytest.raises(ValueError):
        m.transform(np.ones((3, 5)))


def test_cli_svd_writes_the_model_directory(tmp_path, strata_cli, brown_tsv, brown):
    out = tmp_path / "svd"
    subprocess.run([strata_cli, "svd", str(brown_tsv), "--format", "tsv", "--id-column", "1", "--label-column", "2",
                    "--text-column", "3", "--stop-words", "english", "--min-df", "2", "-k", "5", "-o", str(out),
                    "-q", "--threads", "2"], check=True, capture_output=True, text=True, timeout=120)
    comps = np.load(out / "components.npy")
    s = np.load(out / "singular_values.npy")
    docs = np.load(out / "document_vectors.npy")
    assert comps.shape == (5, brown.shape[1]) and s.shape == (5,) and docs.shape == (brown.shape[0], 5)
    assert not (out / "mean.npy").exists()
    ref = np.sort(svds(brown, 5, tol=0)[1])[::-1]
    np.testing.assert_allclose(s, ref, rtol=1e-6)
    np.testing.assert_allclose(docs, brown @ comps.T, atol=1e-10)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["seconds"] >= 0
    np.testing.assert_allclose(metrics["singular_values"], s)
    assert len(metrics["explained_variance_ratio"]) == 5
    model = json.loads((out / "model.json").read_text())
    assert model["kind"] == "svd" and model["parameters"]["k"] == 5
    assert len((out / "vocabulary.txt").read_text().split("\n")[:-1]) == brown.shape[1]

    pca = tmp_path / "pca"
    corpus = tmp_path / "brown.strata"
    strata.save_corpus(str(corpus), brown)
    subprocess.run([strata_cli, "svd", str(corpus), "-k", "4", "--center", "--method", "randomized", "-o", str(pca),
                    "-q"], check=True, capture_output=True, text=True, timeout=120)
    mean = np.load(pca / "mean.npy")
    np.testing.assert_allclose(mean, np.asarray(brown.mean(axis=0)).ravel(), atol=1e-14)
    assert json.loads((pca / "model.json").read_text())["kind"] == "pca"
    bad = subprocess.run([strata_cli, "svd", str(corpus), "-k", "100000", "-o", str(tmp_path / "bad"), "-q"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "k must be" in bad.stderr


@pytest.mark.parametrize("estimator", [strata.TruncatedSVD(random_state=0), strata.PCA(2, random_state=0),
                                       strata.TruncatedSVD(algorithm="randomized", random_state=0)])
def test_check_estimator(estimator):
    from sklearn.utils.estimator_checks import check_estimator
    check_estimator(estimator)
