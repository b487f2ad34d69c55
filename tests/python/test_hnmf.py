"""strata.HierarchicalNMF: layers against numpy/scipy references, the planted
hierarchy, semi-supervised prediction, parameter checks."""
import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

import strata
from strata.datasets import make_hierarchy


@pytest.fixture(scope="module")
def planted():
    return make_hierarchy(n_documents=150, n_terms=200, random_state=5)


def test_layers_are_consistent_with_scipy_nnls(planted):
    X = planted.X
    model = strata.HierarchicalNMF([9, 4, 2], method="neural", epochs=10, threads=1, random_state=0)
    W2 = model.fit_transform(X)
    assert W2.shape == (X.shape[0], 2)
    assert [T.shape for T in model.layer_components_] == [(9, 200), (4, 200), (2, 200)]
    assert [M.shape for M in model.mixing_] == [(4, 9), (2, 4)]
    np.testing.assert_allclose(model.layer_components_[1], model.mixing_[0] @ model.components_, atol=1e-12)
    # The forward pass is exact NNLS: compare a few documents with scipy's Lawson-Hanson.
    Ws = model.transform_layers(X)
    Xd = X.toarray()
    for i in range(0, X.shape[0], 37):
        w0, _ = scipy.optimize.nnls(model.components_.T, Xd[i])
        np.testing.assert_allclose(Ws[0][i], w0, atol=1e-8)
        w1, _ = scipy.optimize.nnls(model.mixing_[0].T, Ws[0][i])
        np.testing.assert_allclose(Ws[1][i], w1, atol=1e-8)
    # Neural NMF's coefficients are the forward pass; the errors are ||X - W_l T_l|| / ||X||.
    np.testing.assert_allclose(Ws[-1], W2, atol=1e-9)
    for l, (W, T) in enumerate(zip(Ws, model.layer_components_)):
        expected = np.linalg.norm(Xd - W @ T) / np.linalg.norm(Xd)
        assert model.layer_errors_[l] == pytest.approx(expected, rel=1e-8)


def test_neural_improves_on_sequential_at_the_last_layer(planted):
    errors = {}
    for method in ("sequential", "neural"):
        m = strata.HierarchicalNMF([9, 4], method=method, epochs=30, threads=1, layer_iter=100).fit(planted.X)
        errors[method] = m.layer_errors_[-1]
    assert errors["neural"] < errors["sequential"]


def test_semi_supervised_predicts_unlabeled_documents(planted):
    top = np.asarray(planted.labels[-1])
    rng = np.random.default_rng(0)
    labeled = rng.random(top.shape[0]) < 0.4
    names = np.array(["science", "arts"])[top]
    y = np.where(labeled, names, None)
    model = strata.HierarchicalNMF([9, 4, 2], epochs=30, threads=1, layer_iter=100).fit(planted.X, y)
    assert set(model.classes_) == {"arts", "science"}
    assert np.mean(model.transduction_[~labeled] == names[~labeled]) >= 0.95
    assert np.mean(model.predict(planted.X) == names) >= 0.95
    assert model.decision_function(planted.X).shape == (top.shape[0], 2)
    assert len(model.layer_accuracies_) == 3 and model.lambda_used_ > 0
    assert [t.shape for t in model.layer_transductions_] == [names.shape] * 3
    np.testing.assert_array_equal(model.layer_transductions_[-1], model.transduction_)


def test_sparse_and_dense_input_agree_and_are_deterministic(planted):
    X = planted.X
    a = strata.HierarchicalNMF([5, 2], epochs=5, threads=1, random_state=1).fit_transform(X)
    b = strata.HierarchicalNMF([5, 2], epochs=5, threads=1, random_state=1).fit_transform(X.toarray())
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    (dict(ranks=[4, 6]), "non-increasing"),
    (dict(ranks=[]), "non-increasing"),
    (dict(ranks=[500]), "n_samples = 150"),
    (dict(method="wide"), "method"),
    (dict(loss="kl"), "loss"),
    (dict(optimizer="sgd"), "optimizer"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(epochs=-1), "epochs"),
    (dict(lam=-2.0), "lam"),
])
def test_bad_parameters(planted, kwargs, message):
    with pytest.raises(ValueError, match=message):
        strata.HierarchicalNMF(**kwargs).fit(planted.X)


def test_bad_labels_and_input(planted):
    X = planted.X
    with pytest.raises(ValueError, match="entries"):
        strata.HierarchicalNMF([4, 2]).fit(X, np.zeros(3))
    with pytest.raises(ValueError, match="two classes"):
        strata.HierarchicalNMF([4, 2]).fit(X, np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="Negative values"):
        strata.HierarchicalNMF([4, 2]).fit(-X)
    unfitted = strata.HierarchicalNMF([4, 2]).fit(X)
    with pytest.raises(Exception, match="fit it with labels"):
        unfitted.predict(X)


def test_check_estimator():
    # Small ranks: scikit-learn's checks fit on tiny matrices (and pass y, which
    # makes the fit semi-supervised).
    from sklearn.utils.estimator_checks import check_estimator
    check_estimator(strata.HierarchicalNMF([2, 1], epochs=3, threads=1, random_state=0))
