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
from scipy.special import gammaln
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin, validate_data as _validate_data
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


def _total_variance(X):
    """Sum of the column variances of X (dense or sparse), in float64."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        squares = np.asarray(X.multiply(X).mean(axis=0), dtype=np.float64).ravel()
        return float(np.sum(np.maximum(squares - mean * mean, 0.0)))
    return float(np.var(np.asarray(X, dtype=np.float64), axis=0).sum())


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
        limit = min(X.shape)
        if self.algorithm == "arpack":  # scikit-learn's arpack (svds) needs k < min(X.shape)
            k = _integer("n_components", self.n_components, 1, limit - 1)
        else:
            k = _integer("n_components", self.n_components, 1, limit)
        r = self._run(X, k, _METHODS[self.algorithm], False, _real("tol", self.tol, 0.0),
                      _integer("n_iter", self.n_iter, 0), _integer("n_oversamples", self.n_oversamples, 0),
                      self.random_state)
        Y = self._store(r, X)
        if _METHODS[self.algorithm] == "randomized":
            # An approximate SVD has X V != U diag(s): return X V, what transform(X) gives
            # (scikit-learn does the same for exactly this reason).
            Y = np.asarray(X @ self.components_.T)
        # The variance of the returned projections, as scikit-learn reports it.
        self.explained_variance_ = np.var(Y, axis=0)
        total = _total_variance(X)
        self.explained_variance_ratio_ = self.explained_variance_ / total if total > 0 else \
            np.zeros_like(self.explained_variance_)
        return Y.astype(X.dtype, copy=False)

    def transform(self, X):
        """X V: the document vectors of new data."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X @ self.components_.T).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """X V^T: back to the feature space."""
        check_is_fitted(self)
        return np.asarray(X) @ self.components_


def _log_evidence(spectrum, rank, n_samples):
    """Minka's (2000) Laplace approximation of log p(X | rank) for probabilistic
    PCA, from the covariance spectrum (all eigenvalues, descending)."""
    d = spectrum.shape[0]
    if not 1 <= rank < d:
        raise ValueError("the tested rank should be in [1, n_features - 1]")
    tiny = 1e-15
    if spectrum[rank - 1] < tiny:  # a null direction kept: impossible under the model
        return -np.inf
    i = np.arange(1, rank + 1)
    # log of the uniform prior over the Stiefel manifold
    log_prior = -rank * np.log(2.0) + np.sum(gammaln((d - i + 1) / 2.0) - np.log(np.pi) * (d - i + 1) / 2.0)
    log_kept = -np.sum(np.log(spectrum[:rank])) * n_samples / 2.0
    v = max(tiny, np.sum(spectrum[rank:]) / (d - rank))  # the noise variance
    log_noise = -np.log(v) * n_samples * (d - rank) / 2.0
    m = d * rank - rank * (rank + 1.0) / 2.0
    log_volume = np.log(2.0 * np.pi) * (m + rank) / 2.0
    # log-determinant of the Hessian: pairs (i < rank, j > i)
    kept_inverse = 1.0 / spectrum[:rank]
    filled_inverse = 1.0 / np.concatenate([spectrum[:rank], np.full(d - rank, v)])
    log_hessian = 0.0
    for a in range(rank):
        j = np.arange(a + 1, d)
        log_hessian += np.sum(np.log((spectrum[a] - spectrum[j]) * (filled_inverse[j] - kept_inverse[a]))
                              + np.log(n_samples))
    return log_prior + log_kept + log_noise + log_volume - log_hessian / 2.0 - rank * np.log(n_samples) / 2.0


class PCA(_SvdBase):
    """Principal component analysis of sparse or dense X (sparse X is centered implicitly).

    The solvers, their defaults and their errors follow scikit-learn's PCA
    (1.2), except that sparse X is accepted (scikit-learn raises TypeError).

    Parameters
    ----------
    n_components : int, float in (0, 1), 'mle' or None, default=None
        Number of components; None keeps min(n_samples, n_features) (one
        fewer with 'arpack'); a float keeps the fewest components explaining
        that fraction of the variance; 'mle' chooses it by Minka's (2000)
        evidence (solver 'full' or 'auto', n_samples >= n_features).
    copy : bool, default=True
        Accepted for compatibility: X is never modified.
    whiten : bool, default=False
        Scale the projections to unit variance (divide by the square root of
        ``explained_variance_``).
    svd_solver : {'auto', 'full', 'arpack', 'lanczos', 'randomized'}, default='auto'
        'full': every singular triplet (exact); 'arpack', 'lanczos':
        block Lanczos to tolerance ``tol`` (arpack needs n_components <
        min(X.shape)); 'randomized': randomized range finder. 'auto' is
        scikit-learn's rule: 'full' when max(X.shape) <= 500, for 'mle' or
        when n_components >= 0.8 min(X.shape), else 'randomized'.
    tol : float, default=0.0
        Lanczos tolerance; 0 means 1e-12.
    iterated_power : int or 'auto', default='auto'
        Power iterations of the randomized solver ('auto': 7 when
        n_components < 0.1 min(X.shape), else 4, as scikit-learn).
    n_oversamples : int, default=10
    power_iteration_normalizer : str, default='auto'
        Accepted for compatibility: strata orthonormalizes every power iteration.
    random_state : int, RandomState instance or None, default=None
    threads : int, default=0
    """

    def __init__(self, n_components=None, *, copy=True, whiten=False, svd_solver="auto", tol=0.0,
                 iterated_power="auto", n_oversamples=10, power_iteration_normalizer="auto", random_state=None,
                 threads=0):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.tol = tol
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def _choose_solver(self, X, nc):
        limit = min(X.shape)
        solver = self.svd_solver
        if solver not in _PCA_SOLVERS:
            raise ValueError(f"svd_solver must be one of {sorted(_PCA_SOLVERS)}, got {solver!r}")
        if solver == "auto":
            if max(X.shape) <= 500 or isinstance(nc, str):
                solver = "full"
            elif nc is not None and not isinstance(nc, str) and 1 <= nc < 0.8 * limit:
                solver = "randomized"
            else:
                solver = "full"
        return solver

    def _resolve_components(self, X, solver):
        """-> (k to compute, fraction or None, mle?) with scikit-learn's checks and messages."""
        n_samples, n_features = X.shape
        limit = min(X.shape)
        nc = self.n_components
        if nc is None:
            nc = limit - 1 if solver == "arpack" else limit
        if isinstance(nc, str):
            if nc != "mle":
                raise ValueError(f"n_components must be an int, a float in (0, 1), 'mle' or None, got {nc!r}")
            if solver != "full":
                raise ValueError(f"n_components='mle' cannot be a string with svd_solver='{solver}'")
            if n_samples < n_features:
                raise ValueError("n_components='mle' is only supported if n_samples >= n_features")
            return limit, None, True
        if isinstance(nc, numbers.Real) and not isinstance(nc, numbers.Integral) and 0 < nc < 1 and solver == "full":
            return limit, float(nc), False
        if solver == "full":
            if not (isinstance(nc, numbers.Integral) and 0 <= nc <= limit) or isinstance(nc, (bool, np.bool_)):
                raise ValueError(f"n_components={nc!r} must be between 0 and min(n_samples, n_features)={limit} "
                                 f"with svd_solver='full'")
        else:
            if not (isinstance(nc, numbers.Integral) and 1 <= nc <= limit) or isinstance(nc, (bool, np.bool_)):
                raise ValueError(f"n_components={nc!r} must be between 1 and min(n_samples, n_features)={limit} "
                                 f"with svd_solver='{self.svd_solver}'")
            if solver == "arpack" and nc == limit:
                raise ValueError(f"n_components={nc!r} must be strictly less than min(n_samples, n_features)="
                                 f"{limit} with svd_solver='arpack'")
        return int(nc), None, False

    def fit_transform(self, X, y=None):
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32],
                           ensure_min_samples=2)
        solver = self._choose_solver(X, self.n_components)
        k, fraction, mle = self._resolve_components(X, solver)
        limit = min(X.shape)
        if self.iterated_power == "auto":
            n_iter = 7 if k < 0.1 * limit else 4
        else:
            n_iter = _integer("iterated_power", self.iterated_power, 0)
        if not isinstance(self.whiten, (bool, np.bool_)):
            raise ValueError(f"whiten must be a bool, got {self.whiten!r}")
        # 'full' computes every triplet (the engine's exact dense SVD when k spans
        # the smaller side) and keeps k of them, as scikit-learn's LAPACK path.
        computed = limit if solver == "full" else k
        r = self._run(X, computed, _PCA_SOLVERS[solver], True, _real("tol", self.tol, 0.0), n_iter,
                      _integer("n_oversamples", self.n_oversamples, 0), self.random_state)
        Y = self._store(r, X)
        self.mean_ = np.asarray(r["mean"])
        total = float(r["total_variance"])
        keep = k
        if fraction is not None:
            keep = int(np.searchsorted(np.cumsum(self.explained_variance_ratio_), fraction, side="right")) + 1
            keep = min(keep, k)
        elif mle:
            spectrum = self.explained_variance_
            evidence = [_log_evidence(spectrum, rank, X.shape[0]) for rank in range(1, spectrum.shape[0])]
            keep = int(np.argmax(evidence)) + 1 if evidence else 1
        if keep != r["s"].shape[0]:
            self.components_ = self.components_[:keep]
            self.singular_values_ = self.singular_values_[:keep]
            self.explained_variance_ = self.explained_variance_[:keep]
            self.explained_variance_ratio_ = self.explained_variance_ratio_[:keep]
            Y = Y[:, :keep]
        self.n_components_ = keep
        self.n_samples_ = X.shape[0]
        rest = limit - keep
        self.noise_variance_ = max(total - float(self.explained_variance_.sum()), 0.0) / rest if rest > 0 else 0.0
        if self.whiten:
            Y = Y / np.sqrt(self.explained_variance_)
        # Fitted attributes in X's dtype (float32 stays float32), computed in float64.
        for name in ("components_", "singular_values_", "explained_variance_", "explained_variance_ratio_",
                     "mean_"):
            setattr(self, name, getattr(self, name).astype(X.dtype, copy=False))
        return Y.astype(X.dtype, copy=False)

    def transform(self, X):
        """(X - mean) V, with sparse X left sparse (divided by sqrt(explained_variance_) when whitening)."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        Y = np.asarray(X @ self.components_.T) - self.mean_ @ self.components_.T
        if self.whiten:
            Y /= np.sqrt(self.explained_variance_)
        return Y.astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """X V^T + mean (X scaled back first when whitening)."""
        check_is_fitted(self)
        X = np.asarray(X)
        if self.whiten:
            return X @ (np.sqrt(self.explained_variance_)[:, np.newaxis] * self.components_) + self.mean_
        return X @ self.components_ + self.mean_

    def _weighted_components(self):
        """The components and the excess variance they carry over the noise."""
        components = self.components_
        variance = self.explained_variance_
        if self.whiten:
            components = components * np.sqrt(variance[:, np.newaxis])
        return components, np.maximum(variance - self.noise_variance_, 0.0)

    def get_covariance(self):
        """The model's covariance, V diag(var - noise) V^T + noise I (probabilistic PCA)."""
        check_is_fitted(self)
        components, excess = self._weighted_components()
        cov = (components.T * excess) @ components
        cov.flat[:: len(cov) + 1] += self.noise_variance_
        return cov

    def get_precision(self):
        """The inverse of get_covariance(), by the matrix inversion lemma (k x k solve)."""
        check_is_fitted(self)
        n_features = self.components_.shape[1]
        if self.n_components_ == 0:
            return np.eye(n_features) / self.noise_variance_
        if np.isclose(self.noise_variance_, 0.0, atol=0.0):
            return np.linalg.inv(self.get_covariance())
        components, excess = self._weighted_components()
        small = components @ components.T / self.noise_variance_
        small.flat[:: len(small) + 1] += 1.0 / excess
        precision = components.T @ np.linalg.solve(small, components)
        precision /= -(self.noise_variance_ ** 2)
        precision.flat[:: len(precision) + 1] += 1.0 / self.noise_variance_
        return precision

    def score_samples(self, X):
        """Log-likelihood of each sample under the probabilistic PCA model."""
        check_is_fitted(self)
        X = _validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        centered = X - self.mean_
        precision = self.get_precision()
        sign, logdet = np.linalg.slogdet(precision)
        logdet = logdet if sign > 0 else -np.inf
        log_like = -0.5 * np.sum(centered * (centered @ precision), axis=1)
        return log_like - 0.5 * (X.shape[1] * np.log(2.0 * np.pi) - logdet)

    def score(self, X, y=None):
        """Mean log-likelihood of the samples."""
        return float(np.mean(self.score_samples(X)))
