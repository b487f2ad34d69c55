"""strata.NMF: the scikit-learn contract, agreement with sklearn.decomposition.NMF,
the regularization mapping, masks, and the strata._core.nmf binding."""
import csv
import gzip
import io
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import NMF as SkNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator

import strata
from strata import _core, datasets
from strata._arrays import csr_to_core

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore:The multiplicative update:UserWarning")]


# ---------------------------------------------------------------- data --

@pytest.fixture(scope="module")
def brown(brown_tsv):
    """(texts, genres) of the 500 Brown documents."""
    with gzip.open(brown_tsv, "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r[2] for r in rows], [r[1] for r in rows]


@pytest.fixture(scope="module")
def brown_tfidf(brown):
    texts, _ = brown
    return TfidfVectorizer(min_df=2, max_features=5000).fit_transform(texts).tocsr()


def sklearn_objective(X, W, H, alpha_W, alpha_H, l1_ratio):
    """scikit-learn 1.2's NMF objective (Frobenius), written out."""
    n_samples, n_features = X.shape
    R = X - W @ H
    return (0.5 * np.sum(R * R)
            + alpha_W * l1_ratio * n_features * W.sum()
            + alpha_H * l1_ratio * n_samples * H.sum()
            + 0.5 * alpha_W * (1 - l1_ratio) * n_features * np.sum(W * W)
            + 0.5 * alpha_H * (1 - l1_ratio) * n_samples * np.sum(H * H))


def planted(n=60, m=40, k=4, seed=0, noise=0.05):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, k) @ rng.rand(k, m)
    return np.abs(X + noise * rng.randn(n, m))


# ------------------------------------------------- scikit-learn contract --

def failing_checks(estimator):
    """Names of the estimator checks that fail, each check run separately."""
    failed = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est, check in check_estimator(estimator, generate_only=True):
            try:
                check(est)
            except Exception:  # noqa: BLE001 - collect every failing check
                failed.add(getattr(check, "func", check).__name__)
    return failed


def test_check_estimator_default():
    # check_estimator sets max_iter=500 for estimators named NMF, as for scikit-learn's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(strata.NMF())
        check_estimator(strata.NMF(random_state=0))


@pytest.mark.parametrize("params", [dict(solver="hals"), dict(solver="bpp"), dict(init="random", threads=1),
                                    dict(alpha_W=0.001, l1_ratio=0.5),
                                    dict(solver="hals", beta_loss="kullback-leibler")])
def test_check_estimator_variants(params):
    assert failing_checks(strata.NMF(random_state=0, **params)) == set()


@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
def test_check_estimator_mu_fails_only_where_sklearn_mu_does(beta_loss):
    # Multiplicative updates have not converged after check_estimator's 500
    # iterations on its toy data, so fit_transform's W differs from the fold-in
    # of transform by more than the check's atol=0.01: scikit-learn's own
    # NMF(solver='mu') fails exactly these checks, strata's fails no others.
    ours = failing_checks(strata.NMF(solver="mu", beta_loss=beta_loss, random_state=0))
    theirs = failing_checks(SkNMF(solver="mu", beta_loss=beta_loss, random_state=0))
    assert ours == theirs
    assert ours <= {"check_transformer_general", "check_transformer_data_not_an_array"}


def test_get_set_params_and_clone():
    from sklearn.base import clone
    est = strata.NMF(n_components=3, solver="mu", alpha_W=0.1, threads=1, observed="stored")
    params = est.get_params()
    assert params["n_components"] == 3 and params["solver"] == "mu" and params["threads"] == 1
    assert params["observed"] == "stored" and params["shuffle"] is False
    assert clone(est).get_params() == params


def test_pipeline_tfidf_nmf_logistic_regression(brown):
    texts, genres = brown
    train_x, test_x, train_y, test_y = train_test_split(texts, genres, test_size=0.3, random_state=0,
                                                        stratify=genres)
    pipe = Pipeline([("tfidf", TfidfVectorizer()),
                     ("nmf", strata.NMF(n_components=5, random_state=0)),
                     ("clf", LogisticRegression(max_iter=1000))])
    pipe.fit(train_x, train_y)
    predicted = pipe.predict(test_x)
    assert predicted.shape == (len(test_x),)
    assert set(predicted) <= set(genres)
    majority = max(test_y.count(g) for g in set(test_y)) / len(test_y)
    accuracy = np.mean(predicted == np.array(test_y))
    assert accuracy > majority, (accuracy, majority)
    assert list(pipe[:-1].get_feature_names_out()) == [f"nmf{i}" for i in range(5)]


# ---------------------------------------------------------- behaviour --

@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
@pytest.mark.parametrize("reg", [dict(), dict(alpha_W=0.01, l1_ratio=0.3),
                                 dict(alpha_W=0.02, alpha_H=0.001, l1_ratio=0.0),
                                 dict(alpha_W=0.0, alpha_H=0.01, l1_ratio=1.0)])
@pytest.mark.parametrize("init", ["nndsvda", "nndsvd"])
def test_mu_reproduces_sklearn_iterates(beta_loss, reg, init):
    # Same deterministic start (NNDSVD of an exactly rank-revealing SVD), same
    # update rule, same penalties: the iterates agree to rounding. This pins
    # the regularization mapping (l1, l2 on W and H) and the KL update.
    X = planted()
    kw = dict(n_components=4, solver="mu", beta_loss=beta_loss, init=init, tol=0, max_iter=50, random_state=0,
              **reg)
    sk = SkNMF(**kw)
    Ws = sk.fit_transform(X)
    ours = strata.NMF(**kw)
    W = ours.fit_transform(X)
    assert np.abs(W - Ws).max() <= 1e-6 * np.abs(Ws).max()
    assert np.abs(ours.components_ - sk.components_).max() <= 1e-6 * np.abs(sk.components_).max()
    assert ours.reconstruction_err_ == pytest.approx(sk.reconstruction_err_, rel=1e-6)


def test_same_seed_gives_identical_results(brown_tfidf):
    for init in ("random", "nndsvdar", "nndsvda"):
        a = strata.NMF(n_components=6, init=init, random_state=7, max_iter=30, threads=2)
        b = strata.NMF(n_components=6, init=init, random_state=7, max_iter=30, threads=2)
        Wa, Wb = a.fit_transform(brown_tfidf[:250]), b.fit_transform(brown_tfidf[:250])
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(a.components_, b.components_)
        assert a.n_iter_ == b.n_iter_ and a.reconstruction_err_ == b.reconstruction_err_
    # A RandomState instance seeds through check_random_state(...).randint.
    c = strata.NMF(n_components=6, init="random", random_state=np.random.RandomState(3), max_iter=5)
    d = strata.NMF(n_components=6, init="random", random_state=np.random.RandomState(3), max_iter=5)
    np.testing.assert_array_equal(c.fit_transform(brown_tfidf), d.fit_transform(brown_tfidf))


def test_dense_and_sparse_input_agree():
    X = planted()
    X[X < 0.5] = 0.0
    a = strata.NMF(n_components=4, init="random", random_state=1, max_iter=50).fit(X)
    b = strata.NMF(n_components=4, init="random", random_state=1, max_iter=50).fit(sp.csc_matrix(X))
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-12, atol=1e-14)


def test_every_solver_reaches_a_reasonable_error(brown_tfidf):
    errors = {}
    for solver in ("cd", "hals", "mu", "bpp"):
        est = strata.NMF(n_components=10, solver=solver, random_state=0, max_iter=200, threads=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(brown_tfidf)
        errors[solver] = est.reconstruction_err_
        assert est.relative_error_ < 1.0
        norm_x = sp.linalg.norm(brown_tfidf)
        assert est.relative_error_ == pytest.approx(est.reconstruction_err_ / norm_x, rel=1e-6)
        assert len(est.history_) == est.n_iter_ + 1
    best = min(errors.values())
    for solver, err in errors.items():
        assert err <= 1.02 * best, errors


def test_cd_matches_sklearn_on_brown(brown_tfidf):
    sk = SkNMF(n_components=10, solver="cd", init="nndsvda", max_iter=200, random_state=0)
    ours = strata.NMF(n_components=10, solver="cd", init="nndsvda", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(brown_tfidf)
        ours.fit(brown_tfidf)
    assert ours.reconstruction_err_ <= 1.01 * sk.reconstruction_err_, (ours.reconstruction_err_,
                                                                       sk.reconstruction_err_)


@pytest.mark.parametrize("solver", ["mu", "hals"])
def test_kl_matches_sklearn_mu_on_brown(brown_tfidf, solver):
    # scikit-learn has only 'mu' for KL; strata's 'hals' is KL coordinate descent.
    sk = SkNMF(n_components=10, solver="mu", beta_loss="kullback-leibler", init="nndsvda", max_iter=200,
               random_state=0)
    ours = strata.NMF(n_components=10, solver=solver, beta_loss="kullback-leibler", init="nndsvda", max_iter=200,
                      random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(brown_tfidf)
        ours.fit(brown_tfidf)
    assert ours.reconstruction_err_ <= 1.01 * sk.reconstruction_err_, (ours.reconstruction_err_,
                                                                       sk.reconstruction_err_)
    # reconstruction_err_ is sklearn's sqrt(2 * KL) of the returned factors.
    W = ours.transform(brown_tfidf)  # any W: check the definition on (W, H)
    indptr, indices, data, rows, cols = csr_to_core(brown_tfidf)
    kl = _core.nmf_loss(indptr, indices, data, rows, cols, W, ours.components_, loss="kl")
    from sklearn.decomposition._nmf import _beta_divergence
    assert np.sqrt(2 * kl) == pytest.approx(_beta_divergence(brown_tfidf, W, ours.components_, 1,
                                                             square_root=True), rel=1e-9)


@pytest.mark.parametrize("alpha_W,alpha_H,l1_ratio", [(0.01, "same", 0.0), (0.005, 0.02, 1.0), (0.01, 0.003, 0.5)])
def test_regularization_matches_sklearn(alpha_W, alpha_H, l1_ratio):
    X = planted()
    n, m = X.shape
    aH = alpha_W if alpha_H == "same" else alpha_H
    kw = dict(n_components=4, init="nndsvda", alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio, tol=1e-10,
              max_iter=3000)
    ours = strata.NMF(solver="bpp", **kw)
    W = ours.fit_transform(X)
    H = ours.components_
    # First-order optimality of sklearn's objective at strata's solution: the
    # gradient vanishes on the support and is >= 0 off it.
    l1_W, l2_W = alpha_W * l1_ratio * m, alpha_W * (1 - l1_ratio) * m
    l1_H, l2_H = aH * l1_ratio * n, aH * (1 - l1_ratio) * n
    gW = (W @ H - X) @ H.T + l1_W + l2_W * W
    gH = W.T @ (W @ H - X) + l1_H + l2_H * H
    scale = np.abs(X @ H.T).max()
    assert np.abs(gW[W > 1e-10]).max(initial=0.0) < 1e-6 * scale
    assert gW[W <= 1e-10].min(initial=np.inf) > -1e-6 * scale
    scale = np.abs(W.T @ X).max()
    assert np.abs(gH[H > 1e-10]).max(initial=0.0) < 1e-6 * scale
    assert gH[H <= 1e-10].min(initial=np.inf) > -1e-6 * scale
    # And the objective is as low as scikit-learn's own solution of the same problem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkNMF(solver="cd", **kw)
        Ws = sk.fit_transform(X)
    ours_obj = sklearn_objective(X, W, H, alpha_W, aH, l1_ratio)
    sk_obj = sklearn_objective(X, Ws, sk.components_, alpha_W, aH, l1_ratio)
    assert ours_obj <= sk_obj * (1 + 1e-3), (ours_obj, sk_obj)
    assert ours_obj == pytest.approx(sk_obj, rel=0.05)


def test_transform_reproduces_fit_transform():
    X = sp.csr_matrix(planted(n=80, m=50, k=5, seed=2))
    est = strata.NMF(n_components=5, solver="bpp", tol=1e-10, max_iter=2000, random_state=0)
    W = est.fit_transform(X)
    # fit_transform's W is the exact NNLS answer for the next-to-last H;
    # transform's, for the last one.
    W2 = est.transform(X)
    assert np.linalg.norm(W2 - W) <= 1e-4 * np.linalg.norm(W)
    # With the cd solver and sklearn's default tolerance, within a looser tolerance.
    est = strata.NMF(n_components=5, random_state=0)
    W = est.fit_transform(X)
    assert np.linalg.norm(est.transform(X) - W) <= 1e-2 * np.linalg.norm(W)
    assert est.inverse_transform(W).shape == X.shape
    assert est.inverse_transform(W[:7]).shape == (7, X.shape[1])


@pytest.mark.parametrize("solver", ["mu", "hals"])
def test_kl_transform_is_close_to_fit_transform(brown_tfidf, solver):
    X = brown_tfidf[:100]
    est = strata.NMF(n_components=5, solver=solver, beta_loss=1, tol=1e-9, max_iter=500, random_state=0, threads=1)
    W = est.fit_transform(X)
    assert np.linalg.norm(est.transform(X) - W) <= 5e-2 * np.linalg.norm(W)


def test_float32_in_float32_out():
    X = planted().astype(np.float32)
    est = strata.NMF(n_components=3, random_state=0)
    W = est.fit_transform(X)
    assert W.dtype == np.float32 and est.components_.dtype == np.float32
    assert est.transform(X).dtype == np.float32
    W64 = strata.NMF(n_components=3, random_state=0).fit_transform(X.astype(np.float64))
    np.testing.assert_allclose(W, W64, rtol=1e-4, atol=1e-5)


def test_custom_init_is_used():
    X = planted()
    rng = np.random.RandomState(0)
    W0, H0 = rng.rand(X.shape[0], 4), rng.rand(4, X.shape[1])
    est = strata.NMF(n_components=4, init="custom", max_iter=1, tol=0)
    est.fit(X, W=W0, H=H0)
    assert est.history_[0]["loss"] == pytest.approx(0.5 * np.sum((X - W0 @ H0) ** 2), rel=1e-10)
    with pytest.raises(ValueError, match="init='custom' needs both W and H"):
        strata.NMF(n_components=4, init="custom").fit(X, W=W0)
    with pytest.raises(ValueError, match="full of zeros"):
        strata.NMF(n_components=4, init="custom").fit(X, W=W0, H=np.zeros_like(H0))
    with pytest.raises(ValueError, match="wrong shape"):
        strata.NMF(n_components=4, init="custom").fit(X, W=W0, H=H0[:3])


def test_history_and_status():
    X = planted()
    for extrapolate in (False, True):
        est = strata.NMF(n_components=4, tol=0, max_iter=25, random_state=0, extrapolate=extrapolate)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # tol=0 asks for max_iter iterations: no warning
            W = est.fit_transform(X)
        assert est.status_ == "max_iterations" and est.n_iter_ == 25
        losses = [h["loss"] for h in est.history_]
        assert [h["iteration"] for h in est.history_] == list(range(26))
        if not extrapolate:  # extrapolation restarts when the loss rises: monotone only without it
            assert all(b <= a * (1 + 1e-12) for a, b in zip(losses, losses[1:]))
        assert est.reconstruction_err_ == pytest.approx(np.sqrt(2 * losses[-1]), rel=1e-12)
        # The last entry is the loss of the returned factors.
        assert est.reconstruction_err_ == pytest.approx(np.linalg.norm(np.asarray(X - W @ est.components_)),
                                                        rel=1e-9)
    with pytest.warns(ConvergenceWarning, match="Maximum number of iterations 5 reached"):
        strata.NMF(n_components=4, tol=1e-12, max_iter=5, random_state=0).fit(X)
    est = strata.NMF(n_components=4, tol=1e-3, max_iter=1000, random_state=0).fit(X)
    assert est.status_ == "converged" and est.n_iter_ < 1000


def test_verbose_prints_progress(capsys):
    strata.NMF(n_components=3, max_iter=4, tol=0, verbose=1, random_state=0).fit(planted())
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("NMF iteration")]
    assert len(lines) == 4 and lines[-1].startswith("NMF iteration 4/4: loss ")


# -------------------------------------------------------------- masks --

def test_masked_fit_recovers_held_out_entries():
    d = datasets.make_lowrank(n_rows=200, n_cols=150, rank=4, observed=0.4, noise_sigma=0.0, random_state=3)
    truth = d.held_out_values
    kw = dict(n_components=4, init="random", random_state=0, tol=1e-10, max_iter=300, threads=1)
    est = strata.NMF(**kw)
    W = est.fit_transform(d.X, mask=d.mask)
    predicted = np.einsum("ij,ij->i", W[d.held_out_rows], est.components_[:, d.held_out_cols].T)
    masked_error = np.linalg.norm(predicted - truth) / np.linalg.norm(truth)
    assert masked_error < 0.01, masked_error
    # Treating the missing entries as zeros does far worse.
    W0 = strata.NMF(**kw).fit_transform(d.X)
    plain = np.einsum("ij,ij->i", W0[d.held_out_rows], strata.NMF(**kw).fit(d.X).components_[:, d.held_out_cols].T)
    assert np.linalg.norm(plain - truth) / np.linalg.norm(truth) > 5 * masked_error
    # X stores exactly the observed entries: observed='stored' is the same problem.
    stored = strata.NMF(observed="stored", **kw)
    np.testing.assert_allclose(stored.fit_transform(d.X), W, rtol=1e-10, atol=1e-12)
    # A dense 0/1 mask works as well as a sparse one.
    dense = strata.NMF(**kw)
    np.testing.assert_allclose(dense.fit_transform(d.X, mask=d.mask.toarray()), W, rtol=1e-10, atol=1e-12)


def test_mask_argument_errors():
    X = planted()
    with pytest.raises(ValueError, match="shape"):
        strata.NMF(n_components=2).fit(X, mask=np.ones((3, 3)))
    with pytest.raises(ValueError, match="observed='stored'"):
        strata.NMF(n_components=2, observed="stored").fit(X, mask=np.ones_like(X))
    with pytest.raises(ValueError, match="needs fit"):
        strata.NMF(n_components=2, observed="mask").fit(X)
    with pytest.raises(ValueError, match="frobenius"):
        strata.NMF(n_components=2, solver="mu", beta_loss="kullback-leibler").fit(X, mask=np.ones_like(X))


# ------------------------------------------------------------- errors --

@pytest.mark.parametrize("params,match", [
    (dict(beta_loss="itakura-saito"), "does not handle"),  # beta-divergences need solver='mu'
    (dict(beta_loss=0.5), "does not handle"),
    (dict(beta_loss="squared"), "beta_loss must be"),
    (dict(solver="bpp", beta_loss=1), "does not handle"),
    (dict(solver="lbfgs"), "solver must be one of"),
    (dict(n_components=0), "n_components must be"),
    (dict(n_components=2.5), "n_components must be"),
    (dict(n_components=100, init="nndsvda"), "can only be used"),
    (dict(init="svd"), "init must be one of"),
    (dict(tol=-1.0), "tol must be"),
    (dict(max_iter=0), "max_iter must be"),
    (dict(alpha_W=-1.0), "alpha_W must be"),
    (dict(alpha_H="other"), "alpha_H"),
    (dict(l1_ratio=1.5), "l1_ratio must be"),
    (dict(observed="some"), "observed must be one of"),
    (dict(threads=-1), "threads must be"),
    (dict(inner_sweeps=-2), "inner_sweeps must be"),
])
def test_invalid_parameters_raise(params, match):
    with pytest.raises(ValueError, match=match):
        strata.NMF(**{"n_components": 2, **params}).fit(planted())


def test_negative_input_raises():
    X = planted()
    X[0, 0] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to NMF"):
        strata.NMF(n_components=2).fit(X)
    est = strata.NMF(n_components=2).fit(np.abs(X))
    with pytest.raises(ValueError, match="Negative values"):
        est.transform(X)


# ------------------------------------------------------------ binding --

def test_core_progress_callback_can_stop_and_raise():
    X = csr_to_core(sp.csr_matrix(planted()))
    seen = []

    def stop_at_three(event):
        seen.append(event["iteration"])
        return event["iteration"] < 3

    r = _core.nmf(*X, 3, max_iter=50, tol=0, progress=stop_at_three)
    assert r["status"] == "interrupted" and r["iterations"] == 3 and seen == [1, 2, 3]
    assert r["W"].shape == (60, 3) and r["H"].shape == (3, 40)

    class Boom(Exception):
        pass

    def boom(event):
        raise Boom("from the callback")

    with pytest.raises(Boom, match="from the callback"):
        _core.nmf(*X, 3, max_iter=50, progress=boom)


def test_core_argument_errors():
    X = csr_to_core(sp.csr_matrix(planted()))
    with pytest.raises(ValueError, match="solver"):
        _core.nmf(*X, 3, solver="nope")
    with pytest.raises(ValueError, match="observed"):
        _core.nmf(*X, 3, observed="nope")
    with pytest.raises(ValueError, match="mask"):
        _core.nmf(*X, 3, observed="mask")
    with pytest.raises(ValueError, match="k must be"):
        _core.nmf(*X, 0)
    with pytest.raises(ValueError, match="W and H shapes"):
        _core.nmf_loss(*X, np.ones((60, 3)), np.ones((2, 40)))


def test_core_releases_the_gil_for_concurrent_fits():
    from concurrent.futures import ThreadPoolExecutor
    Xs = [csr_to_core(sp.csr_matrix(planted(seed=s))) for s in range(4)]
    calls = []

    def fit(X):
        return _core.nmf(*X, 3, max_iter=40, tol=0, threads=1, progress=lambda e: calls.append(e["iteration"]))

    sequential = [fit(X) for X in Xs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(fit, Xs))
    for a, b in zip(sequential, concurrent):
        np.testing.assert_array_equal(a["W"], b["W"])
        np.testing.assert_array_equal(a["H"], b["H"])
    assert len(calls) == 8 * 40


def test_core_stops_on_ctrl_c():
    import _thread
    import threading
    X = csr_to_core(sp.csr_matrix(planted(n=300, m=200, k=8)))
    with pytest.raises(KeyboardInterrupt):
        threading.Timer(0.3, _thread.interrupt_main).start()
        # No Python callback: the binding still checks for signals once per iteration.
        _core.nmf(*X, 8, max_iter=10**8, tol=0, time_limit=60.0, threads=1)
