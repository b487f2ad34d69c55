"""strata.TruncatedSVD and strata.PCA: drop-ins for scikit-learn's, over
strata's C++ truncated SVD (block Lanczos or a randomized range finder).

X (n_samples x n_features) ~ U diag(s) V^T with the k largest singular
values. PCA is the SVD of X - 1 mean^T; for sparse X the centering is applied
as an operator inside the engine and the centered matrix is never formed.

Signs: each component's largest-|.| entry is positive (svd_flip on the
components), so results are deterministic; scikit-learn 1.2 flips on U
instead, so components may differ from its by a sign.
"""
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

try:  # scikit-learn >= 1.2
    from sklearn.base import ClassNamePrefixFeaturesOutMixin as _FeaturesOutMixin
except ImportError:  # pragma: no cover - older scikit-learn
    _FeaturesOutMixin = object

try:  # scikit-learn >= 1.6 moved input validation out of BaseEstimator
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:
    def _validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

from . import _core
from ._arrays import csr_to_core

__all__ = ["TruncatedSVD", "PCA"]

_METHODS = {"lanczos": "lanczos", "arpack": "lanczos", "randomized": "randomized"}
_PCA_SOLVERS = {"auto": "lanczos", "full": "lanczos", "arpack": "lanczos", "lanczos": "lanczos",
                "randomized": "randomized"}


def _core_csr(X):
    if sp.issparse(X):
        X = X.tocsr()
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
    return csr_to_core(X)


def _integer(name, value, low, high=None):
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)) or value < low or (
            high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def _real(name, value, low):
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not np.isfinite(value) or \
            value < low:
        raise ValueError(f"{name} must be a finite real >= {low}, got {value!r}")
    return float(value)


def _seed(random_state):
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _threads(threads):
    return _integer("threads", threads, -(2 ** 31))


class _SvdBase(_FeaturesOutMixin, TransformerMixin, BaseEstimator):
    def _run(self, X, k, method, center, tol, n_iter, n_oversamples, random_state):
        indptr, indices, data, rows, cols = _core_csr(X)
        return _core.truncated_svd(indptr, indices, data, rows, cols, k, method=method, center=center, tol=tol,
                                   oversample=n_oversamples, power_iterations=n_iter, seed=_seed(random_state),
                                   threads=_threads(self.threads))

    def _store(self, r, X):
        self.components_ = np.ascontiguousarray(r["V"].T)
        self.singular_values_ = np.asarray(r["s"])
        self.explained_variance_ = np.asarray(r["explained_variance"])
        self.explained_variance_ratio_ = np.asarray(r["explained_variance_ratio"])
        self.n_iter_ = r["iterations"]
        self.fit_seconds_ = r["seconds"]
        self.status_ = r["status"]
        return r["U"] * r["s"]

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def _more_tags(self):
        return {"preserves_dtype": [np.float64, np.float32]}


class TruncatedSVD(_SvdBase):
    """Truncated SVD (LSA) of sparse or dense X, without centering.

    Parameters
    ----------
    n_components : int, default=2
        Number of components, 1 <= n_components <= min(n_samples, n_features).
    algorithm : {'lanczos', 'arpack', 'randomized'}, default='lanczos'
        'lanczos' (alias 'arpack'): thick-restart block Lanczos to
        tolerance ``tol``; 'randomized': Halko et al.'s range finder.
    n_iter : int, default=5
        Power iterations of the randomized method.
    n_oversamples : int, default=10
        Extra random directions of the randomized method.
    tol : float, default=0.0
        Lanczos tolerance on the relative Ritz residuals; 0 means 1e-12.
    random_state : int, RandomState instance or None, default=None
        Seed of the random test matrix (randomized) or start vector (Lanczos).
    threads : int, default=0
        Threads of the engine; 0 means all cores.
    """

    def __init__(self, n_components=2, *, algorithm="lanczos", n_iter=5, n_oversamples=10, tol=0.0,
                 random_state=None, threads=0):
        self.n_components = n_components
        self.algorithm = algorithm
        self.n_iter = n_iter
        self.n_oversamples = n_oversamples
        self.tol = tol
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
                           ensure_min_features=2)
        if self.algorithm not in _METHODS:
            raise ValueError(f"algorithm must be one of {sorted(_METHODS)}, got {self.algorithm!r}")
        k = _integer("n_components", self.n_components, 1, min(X.shape))
        r = self._run(X, k, _METHODS[self.algorithm], False, _real("tol", self.tol, 0.0),
                      _integer("n_iter", self.n_iter, 0), _integer("n_oversamples", self.n_oversamples, 0),
                      self.random_state)
        return self._store(r, X).astype(X.dtype, copy=False)

    def transform(self, X):
        """X V: the document vectors of new data."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X @ self.components_.T).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """X V^T: back to the feature space."""
        check_is_fitted(self)
        return np.asarray(X) @ self.components_


class PCA(_SvdBase):
    """Principal component analysis of sparse or dense X (sparse X is centered implicitly).

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=None
        Number of components; None keeps min(n_samples, n_features); a float
        keeps the fewest components explaining that fraction of the variance.
    svd_solver : {'auto', 'full', 'arpack', 'lanczos', 'randomized'}, default='auto'
        'auto', 'full', 'arpack', 'lanczos': Lanczos (exact dense SVD when the
        problem is small); 'randomized': randomized range finder.
    tol : float, default=0.0
        Lanczos tolerance; 0 means 1e-12.
    iterated_power : int or 'auto', default='auto'
        Power iterations of the randomized solver ('auto': 7 when
        n_components < 0.1 min(X.shape), else 4, as scikit-learn).
    n_oversamples : int, default=10
    random_state : int, RandomState instance or None, default=None
    threads : int, default=0
    """

    def __init__(self, n_components=None, *, svd_solver="auto", tol=0.0, iterated_power="auto", n_oversamples=10,
                 random_state=None, threads=0):
        self.n_components = n_components
        self.svd_solver = svd_solver
        self.tol = tol
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
                           ensure_min_samples=2)
        if self.svd_solver not in _PCA_SOLVERS:
            raise ValueError(f"svd_solver must be one of {sorted(_PCA_SOLVERS)}, got {self.svd_solver!r}")
        limit = min(X.shape)
        nc = self.n_components
        fraction = None
        if nc is None:
            k = limit
        elif isinstance(nc, numbers.Real) and not isinstance(nc, numbers.Integral) and 0 < nc < 1:
            fraction, k = float(nc), limit
        else:
            k = _integer("n_components", nc, 1, limit)
        if self.iterated_power == "auto":
            n_iter = 7 if k < 0.1 * limit else 4
        else:
            n_iter = _integer("iterated_power", self.iterated_power, 0)
        r = self._run(X, k, _PCA_SOLVERS[self.svd_solver], True, _real("tol", self.tol, 0.0), n_iter,
                      _integer("n_oversamples", self.n_oversamples, 0), self.random_state)
        Y = self._store(r, X)
        self.mean_ = np.asarray(r["mean"])
        total = float(r["total_variance"])
        if fraction is not None:
            keep = int(np.searchsorted(np.cumsum(self.explained_variance_ratio_), fraction, side="right")) + 1
            keep = min(keep, k)
            self.components_ = self.components_[:keep]
            self.singular_values_ = self.singular_values_[:keep]
            self.explained_variance_ = self.explained_variance_[:keep]
            self.explained_variance_ratio_ = self.explained_variance_ratio_[:keep]
            Y = Y[:, :keep]
            k = keep
        self.n_components_ = k
        self.n_samples_ = X.shape[0]
        rest = limit - k
        self.noise_variance_ = max(total - float(self.explained_variance_.sum()), 0.0) / rest if rest > 0 else 0.0
        return Y.astype(X.dtype, copy=False)

    def transform(self, X):
        """(X - mean) V, with sparse X left sparse."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        Y = np.asarray(X @ self.components_.T) - self.mean_ @ self.components_.T
        return Y.astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """X V^T + mean."""
        check_is_fitted(self)
        return np.asarray(X) @ self.components_ + self.mean_
