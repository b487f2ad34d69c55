"""strata.SSNMF: the scikit-learn classifier contract, the objective against a
dense numpy computation, the unlabeled-sample conventions, and classification
of planted topics and of the Brown corpus against scikit-learn peers."""
import csv
import gzip
import unittest

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import NMF as SkNMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import check_estimator

import strata
from strata import _core

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]


@pytest.fixture(scope="module")
def brown(brown_tsv):
    """(tf-idf X, genres, informative/imaginative groups) of the 500 Brown documents."""
    with gzip.open(brown_tsv, "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    X = TfidfVectorizer(min_df=2, max_df=0.5, stop_words="english", max_features=4000).fit_transform([r[2] for r in rows]).tocsr()
    genres = np.array([r[1] for r in rows])
    group = np.array(["informative" if r[0][1] <= "j" else "imaginative" for r in rows])
    return X, genres, group


def planted(n=300, m=200, k=3, seed=0):
    """Documents drawn from k planted topics (anchor blocks plus shared noise), labels = dominant topic."""
    rng = np.random.RandomState(seed)
    H = rng.rand(k, m) * 0.1
    for t in range(k):
        H[t, t * (m // k):(t + 1) * (m // k)] += rng.rand(m // k)
    W = rng.dirichlet(np.full(k, 0.2), size=n)
    X = sp.csr_matrix(rng.poisson(W @ H * 8).astype(float))
    return X, W.argmax(axis=1)


def hide(y, fraction, seed, marker=-1):
    rng = np.random.RandomState(seed)
    hidden = rng.rand(len(y)) < fraction
    y_seen = np.array(y, dtype=object if marker is None or isinstance(marker, str) else None)
    y_seen[hidden] = marker
    return y_seen, hidden


# ------------------------------------------------- scikit-learn contract --

# Checks that cannot hold for a model whose classes come from a k-topic
# factorization of nonnegative data: both fit 3 classes on 2-feature blobs,
# where k <= 2 topics and class scores W B (no intercept, one ray per class
# from the origin) cannot separate them (check_classifiers_train asks for 83%
# accuracy, check_classifiers_classes for every class to be predicted).
_SKIPPED_CHECKS = {"check_classifiers_train", "check_classifiers_classes"}


def test_check_estimator_subset():
    failures = []
    ran = 0
    for est, check in check_estimator(strata.SSNMF(random_state=0, max_iter=300), generate_only=True):
        name = getattr(check, "func", check).__name__
        if name in _SKIPPED_CHECKS:
            continue
        ran += 1
        try:
            check(est)
        except unittest.SkipTest:  # e.g. the pandas checks without pandas
            ran -= 1
        except Exception as e:  # collect all, report together
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert ran > 30
    assert not failures, "\n".join(failures)


def test_classifies_planted_topics_like_the_labels_say():
    X, y = planted()
    y_seen, hidden = hide(y, 0.5, seed=1)
    model = strata.SSNMF(3, random_state=0, threads=2).fit(X, y_seen)
    assert model.classes_.tolist() == [0, 1, 2]
    assert np.mean(model.transduction_[hidden] == y[hidden]) >= 0.9
    # New documents: fold-in codes, then argmax of W B.
    X_new, y_new = planted(seed=5)
    assert model.score(X_new, y_new) >= 0.85


@pytest.mark.parametrize("loss,label_loss", [("frobenius", "frobenius"), ("frobenius", "kl"), ("kl", "frobenius"),
                                             ("kl", "kl")])
def test_objective_matches_dense_numpy(loss, label_loss):
    X, y = planted(n=80, m=60, seed=2)
    y_seen, _ = hide(y, 0.3, seed=3)
    model = strata.SSNMF(4, loss=loss, label_loss=label_loss, solver="mu", max_iter=30, tol=0, random_state=1,
                         threads=2).fit(X, y_seen)
    r = _core.ssnmf(*strata.nmf._as_core_csr(X), np.asarray(y_seen, dtype=np.int32), 3, 4, solver="mu", loss=loss,
                    label_loss=label_loss, max_iter=30, tol=0, seed=0, threads=2, validation=0)
    W, H, B = r["W"], r["H"], r["B_fit"]  # the objective's B (r["B"] is the classifier refit on fold-in codes)
    D = X.toarray()
    labeled = np.asarray(y_seen) >= 0
    Y = np.zeros((len(y), 3))
    Y[labeled, np.asarray(y_seen)[labeled]] = 1

    def divergence(A, V, kind):
        if kind == "frobenius":
            return 0.5 * np.sum((A - V) ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(np.where(A > 0, A * np.log(A / V), 0.0) - A + V)

    data = divergence(D, W @ H, loss)
    label = divergence(Y[labeled], (W @ B)[labeled], label_loss)
    assert r["data_loss"] == pytest.approx(data, rel=1e-9)
    assert r["label_loss"] == pytest.approx(label, rel=1e-9)
    scale = 0.5 * np.sum(D ** 2) if loss == "frobenius" else D.sum()
    assert r["lambda"] == pytest.approx(scale / (labeled.sum() * (0.5 if label_loss == "frobenius" else 1.0)))
    assert r["loss"] == pytest.approx(data + r["lambda"] * label, rel=1e-9)
    losses = [h["loss"] for h in model.history_]
    assert all(b <= a * (1 + 1e-10) for a, b in zip(losses, losses[1:]))


def test_unlabeled_markers_are_equivalent():
    X, y = planted(n=120, m=90, seed=4)
    names = np.array(["alpha", "beta", "gamma"])
    y_int, hidden = hide(y, 0.4, seed=2)
    fits = [strata.SSNMF(3, random_state=0, threads=2).fit(X, y_seen)
            for y_seen in (y_int, hide(names[y], 0.4, seed=2, marker="")[0],
                           hide(names[y], 0.4, seed=2, marker=None)[0], y_int.astype(float))]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.components_, fits[0].components_)
    assert fits[1].classes_.tolist() == ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(fits[1].transduction_, names[fits[0].transduction_])


def test_predict_proba_transform_and_determinism():
    X, y = planted(n=150, m=100, seed=6)
    y_seen, _ = hide(y, 0.5, seed=0)
    a = strata.SSNMF(3, random_state=3, threads=2).fit(X, y_seen)
    b = strata.SSNMF(3, random_state=3, threads=2).fit(X, y_seen)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.label_components_, b.label_components_)
    P = a.predict_proba(X)
    assert P.shape == (150, 3) and np.allclose(P.sum(axis=1), 1) and P.min() >= 0
    np.testing.assert_array_equal(a.classes_[P.argmax(axis=1)], a.predict(X))
    # transform is NMF's fold-in with the same topics.
    W = a.transform(X)
    np.testing.assert_allclose(W, _with_components(a.components_).transform(X))
    # A document with no terms gets uniform scores and the most frequent class.
    empty = sp.csr_matrix((1, X.shape[1]))
    assert np.allclose(a.predict_proba(empty), 1 / 3)
    counts = np.bincount(np.asarray(y_seen)[np.asarray(y_seen) >= 0])
    assert a.predict(empty)[0] == np.argmax(counts)


def _with_components(H):
    m = strata.NMF(H.shape[0])
    m.components_ = H
    m.n_features_in_ = H.shape[1]
    return m


def test_bad_arguments():
    X, y = planted(n=60, m=40, seed=7)
    with pytest.raises(ValueError, match="no labeled sample"):
        strata.SSNMF(2).fit(X, np.full(60, -1))
    with pytest.raises(ValueError, match="loss"):
        strata.SSNMF(2, loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match="bpp"):
        strata.SSNMF(2, solver="bpp", label_loss="kl").fit(X, y)
    with pytest.raises(ValueError, match="lam"):
        strata.SSNMF(2, lam=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        strata.SSNMF(41).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        strata.SSNMF(2).fit(X, y[:-1])
    with pytest.raises(ValueError, match="Negative"):
        strata.SSNMF(2).fit(-X.toarray(), y)


def test_brown_beats_unsupervised_nmf_with_logistic_regression(brown):
    """60% of the Brown genres' groups (informative vs imaginative) given: SSNMF
    classifies the other 40% at least as well as NMF + logistic regression."""
    X, _, group = brown
    y_seen, hidden = hide(group, 0.4, seed=0, marker="")
    ssnmf = strata.SSNMF(15, random_state=0, threads=2).fit(X, y_seen)
    ssnmf_accuracy = np.mean(ssnmf.transduction_[hidden] == group[hidden])
    W = SkNMF(15, init="nndsvda", random_state=0, max_iter=200).fit_transform(X)
    lr = LogisticRegression(max_iter=1000).fit(W[~hidden], group[~hidden])
    pipeline_accuracy = lr.score(W[hidden], group[hidden])
    majority = max(np.mean(group[hidden] == g) for g in ("informative", "imaginative"))
    assert ssnmf_accuracy > majority + 0.1
    assert ssnmf_accuracy >= pipeline_accuracy - 0.02


def test_validation_chooses_lambda_and_is_reported(brown):
    """lam=None: 0.1, 1 and 10 x the balance value are scored by 3-fold
    cross-validation over the labeled documents (each fold's labels hidden from
    one fit); the best pooled accuracy (ties: the smaller log-loss) is refit
    with all labels. folds=1: one split of 20% of the labeled documents."""
    X, _, group = brown
    y_seen, _ = hide(group, 0.4, seed=1, marker="")
    n_labeled = int(np.sum(y_seen != ""))
    m = strata.SSNMF(8, random_state=0, threads=2, max_iter=60).fit(X, y_seen)
    assert [e["lambda_multiple"] for e in m.selection_] == pytest.approx([0.1, 1, 10])
    assert all(len(e["fold_accuracy"]) == 3 and np.isfinite(e["log_loss"]) for e in m.selection_)
    best = max(m.selection_, key=lambda e: (e["accuracy"], -e["log_loss"]))
    assert m.validation_accuracy_ == best["accuracy"]
    assert m.lambda_ == pytest.approx(best["lambda_multiple"] * X.power(2).sum() / n_labeled, rel=1e-12)
    assert m.validation_documents_ == n_labeled  # every labeled document scored once
    # The previous rule: one validation split.
    s = strata.SSNMF(8, random_state=0, threads=2, max_iter=60, folds=1).fit(X, y_seen)
    assert all(len(e["fold_accuracy"]) == 1 for e in s.selection_)
    assert s.validation_accuracy_ == max(e["accuracy"] for e in s.selection_)
    assert s.validation_documents_ == sum(round(0.2 * np.sum(y_seen == g)) for g in ("informative", "imaginative"))
    with pytest.raises(ValueError, match="folds"):
        strata.SSNMF(8, folds=0).fit(X, y_seen)
    # Without validation there is no validation accuracy, and lam=None is the balance value.
    m0 = strata.SSNMF(8, random_state=0, threads=2, max_iter=60, validation=0).fit(X, y_seen)
    assert np.isnan(m0.validation_accuracy_) and m0.selection_ == []
    assert m0.lambda_ == pytest.approx(X.power(2).sum() / n_labeled, rel=1e-12)
    # predict on the training samples is the transduction (the fold-in rule).
    np.testing.assert_array_equal(m.predict(X), m.transduction_)


def test_brown_genres_beat_nmf_with_logistic_regression(brown):
    """15 Brown genres, 60% of the labels given: SSNMF with its defaults (k and
    lambda chosen on the validation split) classifies the other 40% better than
    NMF with the same k + logistic regression, and than its own joint rule."""
    X, genres, _ = brown
    y_seen, hidden = hide(genres, 0.4, seed=0, marker="")
    m = strata.SSNMF(random_state=0, threads=2).fit(X, y_seen)
    accuracy = np.mean(m.transduction_[hidden] == genres[hidden])
    W = strata.NMF(m.n_components_, random_state=0, threads=2).fit_transform(X)
    pipeline = LogisticRegression(max_iter=2000).fit(W[~hidden], genres[~hidden]).score(W[hidden], genres[hidden])
    assert accuracy >= pipeline + 0.05
    assert accuracy > 0.3  # the largest genre is 16%
