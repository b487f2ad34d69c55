"""strata.NMFk and its building blocks against scipy and scikit-learn."""
import numpy as np
import pytest
import scipy.optimize
from scipy.cluster.hierarchy import cophenet, linkage
from scipy.spatial.distance import pdist, squareform
import scipy.sparse as sp
from sklearn.metrics import silhouette_samples, silhouette_score

import strata
from strata import _core
from strata.datasets import make_topics


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (7, 7), (12, 12), (3, 8), (9, 5)])
@pytest.mark.parametrize("maximize", [False, True])
def test_assignment_matches_scipy(shape, maximize):
    rng = np.random.default_rng(sum(shape) + maximize)
    for trial in range(10):
        # Small integers make ties likely; the optimal total must still agree.
        cost = rng.integers(0, 5, size=shape).astype(float) if trial % 2 else rng.normal(size=shape)
        cols = np.asarray(_core.linear_sum_assignment(cost, maximize))
        rows_ref, cols_ref = scipy.optimize.linear_sum_assignment(cost, maximize=maximize)
        assigned = cols >= 0
        assert assigned.sum() == min(shape)
        assert len(set(cols[assigned])) == min(shape)
        assert cost[np.flatnonzero(assigned), cols[assigned]].sum() == pytest.approx(cost[rows_ref, cols_ref].sum(),
                                                                                       abs=1e-9)


def test_silhouettes_match_scikit_learn_with_angular_distance():
    rng = np.random.default_rng(3)
    centers = rng.random((5, 30))
    points = np.vstack([c * (1 + 0.3 * rng.random((8, 30))) for c in centers] + [rng.random((3, 30))])
    labels = np.r_[np.repeat(np.arange(5), 8), [0, 3, 4]]
    D = np.asarray(_core.angular_distances(points))
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    reference = np.arccos(np.clip(unit @ unit.T, -1, 1)) / np.pi
    np.fill_diagonal(reference, 0)
    np.testing.assert_allclose(D, reference, atol=1e-12)
    s = np.asarray(_core.silhouette_samples(D, labels.tolist()))
    np.testing.assert_allclose(s, silhouette_samples(reference, labels, metric="precomputed"), atol=1e-12)
    assert s.mean() == pytest.approx(silhouette_score(reference, labels, metric="precomputed"), abs=1e-12)


def test_nmfk_selects_planted_rank_and_reports_the_curve():
    data = make_topics(300, 240, 5, overlap=0.2, doc_length=150, random_state=4)
    m = strata.NMFk(k_min=2, k_max=8, n_perturbations=8, max_iter=100, random_state=0, threads=2).fit(data.X)
    assert m.selected_k_ == 5 and m.selection_status_ == "selected"
    assert [c["k"] for c in m.curve_] == list(range(2, 9))
    for c in m.curve_:
        assert set(c) == {"k", "silhouette_min", "silhouette_mean", "relative_error", "perturbed_error",
                          "stable_topics", "cophenetic", "cv_error", "coherence", "clustering_iterations", "seconds"}
        assert set(c["silhouette_min"]) == {"H", "W"}
        assert -1 <= c["silhouette_min"]["H"] <= c["silhouette_mean"]["H"] + 1e-12 <= 1 + 1e-12
    assert m.components_.shape == (5, 240) and m.embedding_.shape == (300, 5)
    X = data.X.toarray()
    assert m.reconstruction_err_ == pytest.approx(np.linalg.norm(X - m.embedding_ @ m.components_) / np.linalg.norm(X))
    # The refined model is at least as good as the centroid model it starts from.
    assert m.reconstruction_err_ <= m.curve_[3]["relative_error"] + 1e-9
    W = m.transform(data.X)
    assert W.shape == (300, 5) and W.min() >= 0
    arr = m.curve_array()
    assert arr["k"].tolist() == list(range(2, 9)) and arr["silhouette_min_H"][3] >= 0.8
    assert m.curve_svg_.startswith("<svg")


def test_nmfk_is_deterministic():
    data = make_topics(120, 100, 3, random_state=1)
    kw = dict(k_min=2, k_max=4, n_perturbations=4, max_iter=50, random_state=7)
    a = strata.NMFk(threads=1, **kw).fit(data.X)
    b = strata.NMFk(threads=2, **kw).fit(data.X)
    # The fits are single-threaded and seeded per (k, perturbation): the silhouettes ignore the thread count.
    for x, y in zip(a.curve_, b.curve_):
        assert x["silhouette_min"] == y["silhouette_min"] and x["silhouette_mean"] == y["silhouette_mean"]
        assert x["relative_error"] == pytest.approx(y["relative_error"], rel=1e-12)
    c = strata.NMFk(threads=2, **kw).fit(data.X)
    np.testing.assert_array_equal(b.components_, c.components_)


def test_semantic_variant():
    data = make_topics(200, 150, 4, random_state=2)
    X = data.X
    C = (X.T @ X).tocsr()
    C = (C - sp.diags(C.diagonal())).tocsr()
    C.eliminate_zeros()
    # A perturbed fit can settle in a poor local minimum at the planted rank
    # (two topics merged, one split): about one fit in six on this matrix,
    # which drops k = 4's minimum silhouette to ~0.65 and, with 6 fits, its
    # mean to ~0.87, below the 0.9 of the default rule. With 12 fits one poor
    # fit weighs half as much; still, most seeds rather than all.
    models = [strata.NMFk(k_min=2, k_max=6, n_perturbations=12, max_iter=80, semantic=True, random_state=seed)
              .fit(X, cooccurrence=C) for seed in range(5)]
    selected = [m.selected_k_ for m in models]
    assert selected.count(4) >= 4, selected
    assert all(k in (3, 4) for k in selected), selected
    m = next(m for m in models if m.selected_k_ == 4)
    assert m.context_factor_.shape == (150, 4) and m.semantic_beta_ > 0
    with pytest.raises(ValueError, match="cooccurrence"):
        strata.NMFk(semantic=True).fit(X)


@pytest.mark.parametrize("params, match", [
    (dict(k_min=1), "k_min"), (dict(k_min=500, k_max=600), "k_min = 500 exceeds"),
    (dict(n_perturbations=1), "perturbations"),
    (dict(epsilon=0.0), "epsilon"), (dict(perturbation="gauss"), "perturbation"), (dict(init="nndsvd"), "init"),
    (dict(threshold=2.0), "threshold"), (dict(solver="sgd"), "solver"), (dict(beta_loss="itakura-saito"), "beta_loss"),
])
def test_bad_parameters(params, match):
    X = sp.random(30, 20, density=0.3, random_state=0, format="csr")
    with pytest.raises(ValueError, match=match):
        strata.NMFk(**{"k_max": 4, "n_perturbations": 3, **params}).fit(X)


def test_negative_input_is_rejected():
    with pytest.raises(ValueError, match="Negative"):
        strata.NMFk().fit(-np.ones((5, 5)))


def test_kl_loss_selects_planted_rank():
    # KL coordinate descent from random starts sometimes stops in a poor local minimum (docs/rank.md);
    # Poisson resampling of the counts from a shared NNDSVDa start is the robust KL setting.
    data = make_topics(200, 160, 4, doc_length=150, random_state=6)
    m = strata.NMFk(k_min=2, k_max=6, n_perturbations=6, max_iter=100, beta_loss="kullback-leibler",
                    perturbation="poisson", init="shared", random_state=0, threads=2).fit(data.X)
    assert m.selected_k_ == 4
    assert m.components_.shape == (4, 160) and m.components_.min() >= 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cophenetic_correlation_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal(loc, 1.0, size=(15, 4)) for loc in (0, 3, 6)])
    condensed = pdist(points)
    D = squareform(condensed)
    Z = linkage(condensed, "average")
    correlation, cophenetic_distances = cophenet(Z, condensed)
    np.testing.assert_allclose(np.asarray(_core.average_linkage_cophenetic(D)), squareform(cophenetic_distances),
                               atol=1e-12)
    assert _core.cophenetic_correlation(D) == pytest.approx(correlation, abs=1e-12)


def test_npmi_coherence_matches_gensims_formula():
    # gensim's c_npmi with boolean-document probabilities, written out in numpy.
    rng = np.random.default_rng(5)
    X = sp.random(60, 25, density=0.2, random_state=7, format="csr")
    topics = [list(rng.choice(25, size=6, replace=False)) for _ in range(4)]
    present = (X.toarray() != 0).astype(float)
    n, eps = X.shape[0], 1e-12
    expected = []
    for terms in topics:
        values = []
        for a in range(len(terms)):
            for b in range(a + 1, len(terms)):
                p_a, p_b = present[:, terms[a]].mean(), present[:, terms[b]].mean()
                p_ab = (present[:, terms[a]] * present[:, terms[b]]).sum() / n
                values.append(np.log((p_ab + eps) / (p_a * p_b)) / -np.log(p_ab + eps))
        expected.append(np.mean(values))
    X.sort_indices()
    got = _core.npmi_coherence(X.indptr.astype(np.int64), X.indices.astype(np.int32), X.data, 60, 25,
                               [[int(t) for t in terms] for terms in topics])
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_nmfk_reports_every_criterion_and_its_reason():
    data = make_topics(300, 240, 4, overlap=0.1, doc_length=150, random_state=2)
    m = strata.NMFk(k_min=2, k_max=6, n_perturbations=8, max_iter=100, random_state=0, threads=2).fit(data.X)
    assert m.selected_k_ == 4
    assert m.selection_["criterion"] == "mean-silhouette" and m.selection_["k"] == 4
    assert "4" in m.selection_["reason"] and len(m.selection_["runners_up"]) == 3
    assert [s["criterion"] for s in m.by_criterion_] == ["mean-silhouette", "min-silhouette", "cophenetic",
                                                         "cross-validation", "coherence"]
    arr = m.curve_array()
    assert arr["stable_topics"][2] == 4 and np.all(arr["stable_topics"] <= arr["k"])
    assert np.all(np.isfinite(arr["cv_error"])) and np.all(np.abs(arr["coherence"]) <= 1)
    other = strata.NMFk(k_min=2, k_max=6, n_perturbations=8, max_iter=100, random_state=0, threads=2,
                        criterion="min-silhouette", cross_validation=False).fit(data.X)
    assert other.selection_["criterion"] == "min-silhouette"
    assert all(np.isnan(c["cv_error"]) for c in other.curve_)
    with pytest.raises(Exception, match="criterion"):
        strata.NMFk(criterion="best").fit(data.X)
