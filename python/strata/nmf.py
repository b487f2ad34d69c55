"""strata.NMF: a drop-in for sklearn.decomposition.NMF over strata's C++ solver.

X (n_samples x n_features) ~ W (n_samples x k) H (k x n_features), W, H >= 0,
with X dense or sparse (CSR/CSC arrays are handed to the engine without
conversion to dense). The objective and its regularization are scikit-learn's
(1.2)::

    0.5 ||X - WH||_F^2  (or the generalized Kullback-Leibler divergence)
      + alpha_W * l1_ratio * n_features * ||vec(W)||_1
      + alpha_H * l1_ratio * n_samples  * ||vec(H)||_1
      + 0.5 * alpha_W * (1 - l1_ratio) * n_features * ||W||_F^2
      + 0.5 * alpha_H * (1 - l1_ratio) * n_samples  * ||H||_F^2

so the same parameters give the same problem; strata's solvers (accelerated
HALS, multiplicative updates, ANLS by block principal pivoting) solve it.
"""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin, validate_data as _validate_data
from ._arrays import csr_to_core

__all__ = ["NMF", "non_negative_factorization"]

# scikit-learn's solver names and strata's own, mapped to strata's.
_SOLVERS = {"cd": "hals", "hals": "hals", "mu": "mu", "bpp": "bpp"}
_OBSERVED = ("all", "stored", "mask")
_INITS = ("random", "nndsvd", "nndsvda", "nndsvdar", "custom")


def _beta_value(beta_loss):
    """scikit-learn's beta_loss (a name or a real) -> the beta of the beta-divergence."""
    names = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}
    if isinstance(beta_loss, str) and beta_loss in names:
        return names[beta_loss]
    if isinstance(beta_loss, numbers.Real) and not isinstance(beta_loss, (bool, np.bool_)) and np.isfinite(beta_loss):
        return float(beta_loss)
    raise ValueError(f"beta_loss must be 'frobenius', 'kullback-leibler', 'itakura-saito' or a finite real, "
                     f"got {beta_loss!r}")


def _beta_loss_name(beta_loss):
    """-> (strata's loss name, beta): 'frobenius' (2), 'kl' (1), else 'beta' with its value."""
    beta = _beta_value(beta_loss)
    return {2.0: "frobenius", 1.0: "kl"}.get(beta, "beta"), beta


def _as_core_csr(X):
    """A validated X (dense, CSR or CSC) -> the (indptr, indices, data, rows, cols) the core maps."""
    if sp.issparse(X):
        X = X.tocsr()
        if not X.has_canonical_format:  # duplicates would count twice in ||X||^2 and the KL sum
            X = X.copy()
            X.sum_duplicates()
    return csr_to_core(X)


def _check_zeros_for_beta(X, beta):
    """scikit-learn's refusal: for beta <= 0 a zero of X makes the updates diverge."""
    if beta <= 0 and X.min() == 0:
        raise ValueError("When beta_loss <= 0 and X contains zeros, the solver may diverge. Please add small values "
                         "to X, or use a positive beta_loss.")


def _check_factor(A, shape, whom):
    """scikit-learn's _check_init: shape, nonnegative, not all zeros; -> float64 C array."""
    A = check_array(A, dtype=np.float64, order="C")
    if A.shape != shape:
        raise ValueError(f"Array with wrong shape passed to {whom}. Expected {shape}, but got {A.shape} ")
    check_non_negative(A, whom)
    if np.max(A) == 0:
        raise ValueError(f"Array passed to {whom} is full of zeros.")
    return A


class NMF(_FeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Non-negative matrix factorization, scikit-learn compatible, solved by strata.

    Find W >= 0 (n_samples x n_components) and H >= 0 (n_components x
    n_features) with X ~ W H, minimizing the objective in the module docstring.
    Parameters shared with ``sklearn.decomposition.NMF`` (1.2) have the same
    names, defaults and meaning.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of components; None keeps all features. More than
        min(n_samples, n_features) needs init 'random' or 'custom' (the
        default then is 'random').
    init : {'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'} or None, default=None
        Initialization; None means 'nndsvda' if n_components <=
        min(n_samples, n_features), else 'random' (scikit-learn's rule).
        'custom' uses the W and H passed to fit / fit_transform.
    solver : {'cd', 'mu', 'hals', 'bpp'}, default='cd'
        'cd' (coordinate descent) runs strata's accelerated HALS (several
        inner sweeps per sparse product); 'hals' is the same; 'mu' runs
        multiplicative updates; 'bpp' runs alternating exact NNLS by block
        principal pivoting. For the KL loss, 'cd'/'hals' run coordinate
        descent with safeguarded Newton steps (Hsieh & Dhillon 2011), which
        scikit-learn does not offer (its 'cd' raises), and 'mu' runs
        multiplicative updates (same iterates as scikit-learn's 'mu');
        'bpp' is Frobenius only.
    beta_loss : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}, default='frobenius'
        The beta-divergence minimized: 2 (Frobenius), 1 (generalized
        Kullback-Leibler), 0 (Itakura-Saito) or any other real, with
        solver='mu' for beta other than 1 and 2 (scikit-learn's updates and
        guards; each update then costs a dense pass over n_samples x
        n_features). For beta <= 0, X must have no zeros.
    tol : float, default=1e-4
        Stop when the relative change of the loss between two iterations is
        at most tol (scikit-learn measures convergence differently; the
        iteration counts are therefore not comparable). 0 runs max_iter
        iterations.
    max_iter : int, default=200
        Maximum number of outer iterations (one W- and one H-update each).
    random_state : int, RandomState instance or None, default=None
        Seeds the random and NNDSVD(ar) initializations (through an integer
        seed drawn with ``check_random_state(random_state).randint``).
    alpha_W : float, default=0.0
        Regularization strength on W.
    alpha_H : float or 'same', default='same'
        Regularization strength on H; 'same' takes alpha_W.
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0) penalties.
    verbose : int, default=0
        If > 0, print one line per iteration.
    shuffle : bool, default=False
        Accepted for compatibility and ignored: strata's HALS visits the
        coordinates in order.
    threads : int, default=0
        Threads used by the engine; 0 uses all cores. Results are
        deterministic for a fixed seed and thread count.
    observed : {'all', 'stored', 'mask'}, default='all'
        Which entries of X the (Frobenius) loss counts: all of them, only
        those stored in the sparse X (collaborative filtering; for a dense X
        the nonzeros), or those of the ``mask`` passed to fit (passing a mask
        implies 'mask'). ``transform`` always treats every entry as observed.
    time_limit : float or None, default=None
        Seconds of fitting after which the solver stops; None for no limit.
    inner_sweeps : int, default=0
        HALS coordinate sweeps per sparse product; 0 chooses automatically.
    extrapolate : bool, default=True
        Extrapolate each factor before the other's update, with restarts
        when the loss rises (Ang & Gillis 2019): Frobenius loss without a
        mask, solvers 'cd'/'hals' and 'bpp'. Typically halves the iterations
        to a given error; the loss history is then not monotone.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        H, in the dtype of X (float32 stays float32; computing is in float64).
    n_components_ : int
    n_iter_ : int
        Iterations run.
    reconstruction_err_ : float
        As scikit-learn: ||X - WH||_F for Frobenius (over the observed entries
        under a mask), sqrt(2 * KL divergence) for Kullback-Leibler.
    relative_error_ : float
        ||X - WH||_F / ||X||_F (observed entries only under a mask).
    history_ : list of dict
        One entry per iteration (iteration 0 is the initialization): iteration,
        seconds, loss (without regularization), relative_error (NaN where not
        computed).
    status_ : str
        'converged', 'max_iterations', 'time_limit' or 'interrupted'.
    fit_seconds_ : float
        Time the engine spent fitting.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string feature names.
    """

    def __init__(self, n_components=None, *, init=None, solver="cd", beta_loss="frobenius", tol=1e-4, max_iter=200,
                 random_state=None, alpha_W=0.0, alpha_H="same", l1_ratio=0.0, verbose=0, shuffle=False, threads=0,
                 observed="all", time_limit=None, inner_sweeps=0,
                 extrapolate=True):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose
        self.shuffle = shuffle
        self.threads = threads
        self.observed = observed
        self.time_limit = time_limit
        self.inner_sweeps = inner_sweeps
        self.extrapolate = extrapolate

    # ------------------------------------------------------------ checks --

    def _check_params(self, X):
        """Validates the parameters against X; returns the resolved settings."""
        n_samples, n_features = X.shape

        def integer(name, value, low, allow_none=False):
            if value is None and allow_none:
                return None
            if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}{' or None' if allow_none else ''}, "
                                 f"got {value!r}")
            return int(value)

        def real(name, value, low, high=np.inf, alternative=""):
            if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not (low <= value <= high):
                raise ValueError(f"{name} must be a real number in [{low}, {high}]{alternative}, got {value!r}")
            return float(value)

        k = integer("n_components", self.n_components, 1, allow_none=True)
        if k is None:
            k = n_features
        if self.init is not None and self.init not in _INITS:
            raise ValueError(f"init must be one of {', '.join(_INITS)} or None, got {self.init!r}")
        limit = min(n_samples, n_features)
        init = self.init
        if init is None:
            init = "nndsvda" if k <= limit else "random"
        elif init not in ("random", "custom") and k > limit:
            raise ValueError(f"init = '{init}' can only be used when n_components <= min(n_samples, n_features)")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(_SOLVERS)}, got {self.solver!r}")
        solver = _SOLVERS[self.solver]
        loss, beta = _beta_loss_name(self.beta_loss)
        if (loss == "kl" and self.solver in ("bpp", "cd")) or (loss == "beta" and solver != "mu"):
            # scikit-learn's 'cd' is Frobenius only and raises: so does strata's 'cd', for the
            # same code to behave the same; strata's KL coordinate descent is solver='hals'.
            raise ValueError(f"Invalid beta_loss parameter: solver {self.solver!r} does not handle beta_loss = "
                             f"{beta!r} (other beta-divergences: solver='mu'; KL also solver='hals')")
        tol = real("tol", self.tol, 0.0)
        max_iter = integer("max_iter", self.max_iter, 1)
        alpha_W = real("alpha_W", self.alpha_W, 0.0)
        alpha_H = alpha_W if (isinstance(self.alpha_H, str) and self.alpha_H == "same") else \
            real("alpha_H", self.alpha_H, 0.0, alternative=" or 'same'")
        l1_ratio = real("l1_ratio", self.l1_ratio, 0.0, 1.0)
        integer("verbose", int(self.verbose) if isinstance(self.verbose, (bool, np.bool_)) else self.verbose, 0)
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be a bool, got {self.shuffle!r}")
        threads = integer("threads", self.threads, 0)
        if self.observed not in _OBSERVED:
            raise ValueError(f"observed must be one of {', '.join(_OBSERVED)}, got {self.observed!r}")
        time_limit = 0.0
        if self.time_limit is not None:
            time_limit = real("time_limit", self.time_limit, 0.0, alternative=" or None")
        inner_sweeps = integer("inner_sweeps", self.inner_sweeps, 0)
        if not isinstance(self.extrapolate, (bool, np.bool_)):
            raise ValueError(f"extrapolate must be a bool, got {self.extrapolate!r}")
        # scikit-learn 1.2's _compute_regularization. Its objective's L2 term
        # is 0.5 * l2 * ||W||^2, strata's (l2/2) ||W||^2: the values carry over.
        return dict(
            k=k, init=init, solver=solver, loss=loss, beta=beta, tol=tol, max_iter=max_iter, threads=threads,
            time_limit=time_limit, inner_sweeps=inner_sweeps, extrapolate=bool(self.extrapolate),
            l1_W=alpha_W * l1_ratio * n_features, l2_W=alpha_W * (1.0 - l1_ratio) * n_features,
            l1_H=alpha_H * l1_ratio * n_samples, l2_H=alpha_H * (1.0 - l1_ratio) * n_samples)

    def _check_mask(self, mask, shape):
        """0/1 mask (dense or sparse) -> CSR arrays of its nonzero positions."""
        if sp.issparse(mask):
            mask = check_array(mask, accept_sparse="csr", dtype=np.float64)
            mask = mask.tocsr(copy=True)
            mask.sum_duplicates()
            mask.eliminate_zeros()
        else:
            mask = check_array(mask, dtype=np.float64)
        if mask.shape != shape:
            raise ValueError(f"mask must have the shape of X {shape}, got {mask.shape}")
        indptr, indices, data, _, _ = csr_to_core(mask)
        return indptr, indices, np.ones_like(data)

    # ------------------------------------------------------------ fitting --

    def fit_transform(self, X, y=None, W=None, H=None, mask=None):
        """Learn the model from X and return W (the transformed data).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), >= 0
        y : ignored
        W : array-like of shape (n_samples, n_components), used when init='custom'
        H : array-like of shape (n_components, n_features), used when init='custom'
        mask : {array-like, sparse matrix} of X's shape, optional
            Nonzero where an entry of X is observed; the Frobenius loss then
            counts only those entries (``observed='mask'``).

        Returns
        -------
        W : ndarray of shape (n_samples, n_components), in X's dtype
        """
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        check_non_negative(X, "NMF (input X)")
        p = self._check_params(X)
        _check_zeros_for_beta(X, p["beta"])
        observed = self.observed
        mask_parts = (None, None, None)
        if mask is not None:
            if observed == "stored":
                raise ValueError("mask was given but observed='stored'; use observed='all' or 'mask' with a mask")
            observed = "mask"
            mask_parts = self._check_mask(mask, X.shape)
        elif observed == "mask":
            raise ValueError("observed='mask' needs fit(X, mask=...)")
        if observed != "all" and p["loss"] != "frobenius":  # (beta-divergences included)
            raise ValueError(f"observed={observed!r} (a mask) needs beta_loss='frobenius'")
        W0 = H0 = None
        if p["init"] == "custom":
            if W is None or H is None:
                raise ValueError("init='custom' needs both W and H")
            for name, A in (("H", H), ("W", W)):
                if np.asarray(A).dtype != X.dtype:  # scikit-learn's rule, with its message
                    raise TypeError(f"{name} should have the same dtype as X. Got {name}.dtype = "
                                    f"{np.asarray(A).dtype}.")
            H0 = _check_factor(H, (p["k"], X.shape[1]), "NMF (input H)")
            W0 = _check_factor(W, (X.shape[0], p["k"]), "NMF (input W)")
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        progress = self._print_progress if self.verbose else None

        indptr, indices, data, rows, cols = _as_core_csr(X)
        r = _core.nmf(indptr, indices, data, rows, cols, p["k"], solver=p["solver"], loss=p["loss"], init=p["init"],
                      max_iter=p["max_iter"], tol=p["tol"], time_limit=p["time_limit"], l1_W=p["l1_W"],
                      l2_W=p["l2_W"], l1_H=p["l1_H"], l2_H=p["l2_H"], inner_sweeps=p["inner_sweeps"],
                      extrapolate=p["extrapolate"], observed=observed, mask_indptr=mask_parts[0], mask_indices=mask_parts[1],
                      mask_data=mask_parts[2], seed=seed, threads=p["threads"], W0=W0, H0=H0, progress=progress,
                      beta=p["beta"])
        if r["status"] == "max_iterations" and p["tol"] > 0:
            warnings.warn(f"Maximum number of iterations {p['max_iter']} reached. Increase it to improve "
                          "convergence.", ConvergenceWarning)

        self.n_components_ = p["k"]
        self.components_ = r["H"].astype(X.dtype, copy=False)
        self.n_iter_ = int(r["iterations"])
        self.reconstruction_err_ = float(np.sqrt(2.0 * max(r["loss"], 0.0)))  # scikit-learn's, for every beta
        self.relative_error_ = float(r["relative_error"])
        self.history_ = r["history"]
        self.status_ = r["status"]
        self.fit_seconds_ = float(r["seconds"])
        return r["W"].astype(X.dtype, copy=False)

    def fit(self, X, y=None, W=None, H=None, mask=None):
        """Learn the model from X (see fit_transform); returns self."""
        self.fit_transform(X, y, W=W, H=H, mask=mask)
        return self

    def _print_progress(self, event):
        print(f"NMF iteration {event['iteration']}/{event['max_iter']}: loss {event['loss']:.6g} "
              f"({event['seconds']:.3f} s)", flush=True)

    def transform(self, X):
        """W for new data with the components fixed: argmin_{W >= 0} of the loss
        (exact NNLS per row for Frobenius, max_iter coordinate-descent sweeps for KL),
        with the W penalties of the fit. Every entry of X counts as observed.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components), in X's dtype
        """
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        check_non_negative(X, "NMF (input X)")
        p = self._check_params_for_transform(X)
        _check_zeros_for_beta(X, p["beta"])
        indptr, indices, data, rows, cols = _as_core_csr(X)
        H = np.ascontiguousarray(self.components_, dtype=np.float64)
        W = _core.nmf_transform(indptr, indices, data, rows, cols, H, loss=p["loss"], l1_W=p["l1_W"],
                                l2_W=p["l2_W"], max_iter=p["max_iter"], threads=p["threads"], beta=p["beta"],
                                tol=p["tol"])
        return W.astype(X.dtype, copy=False)

    def _check_params_for_transform(self, X):
        alpha_W = float(self.alpha_W)
        l1_ratio = float(self.l1_ratio)
        n_features = X.shape[1]
        loss, beta = _beta_loss_name(self.beta_loss)
        return dict(loss=loss, beta=beta, l1_W=alpha_W * l1_ratio * n_features,
                    l2_W=alpha_W * (1.0 - l1_ratio) * n_features, max_iter=int(self.max_iter),
                    threads=int(self.threads), tol=float(self.tol))

    def inverse_transform(self, W):
        """X ~ W H, of shape (n_samples, n_features)."""
        check_is_fitted(self)
        return W @ self.components_

    @property
    def _n_features_out(self):
        """Number of transformed output features (for get_feature_names_out)."""
        return self.components_.shape[0]

    def _more_tags(self):
        # Outputs are cast back to X's dtype (the engine computes in float64).
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}


def non_negative_factorization(X, W=None, H=None, n_components=None, *, init=None, update_H=True, solver="cd",
                               beta_loss="frobenius", tol=1e-4, max_iter=200, alpha_W=0.0, alpha_H="same",
                               l1_ratio=0.0, random_state=None, verbose=0, shuffle=False):
    """scikit-learn's function form of NMF: returns (W, H, n_iter).

    With ``update_H=False``, H is given and kept; W is the fold-in
    (``NMF.transform``: exact NNLS per row for Frobenius, coordinate descent
    for KL) and n_iter is 0. Otherwise the same as ``NMF(...).fit_transform(X,
    W=W, H=H)`` with these parameters.
    """
    est = NMF(n_components=n_components, init=init, solver=solver, beta_loss=beta_loss, tol=tol, max_iter=max_iter,
              random_state=random_state, alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio, verbose=verbose,
              shuffle=shuffle)
    if update_H:
        W = est.fit_transform(X, W=W, H=H)
        return W, est.components_, est.n_iter_
    if H is None:
        raise ValueError("update_H=False needs H")
    X = check_array(X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
    if np.asarray(H).dtype != X.dtype:
        raise TypeError(f"H should have the same dtype as X. Got H.dtype = {np.asarray(H).dtype}.")
    check_non_negative(X, "NMF (input X)")
    if n_components is None:
        est.n_components = np.shape(H)[0]
    p = est._check_params(X)
    H = _check_factor(H, (p["k"], X.shape[1]), "NMF (input H)")
    # The fitted state transform needs: the components and the input width.
    est.components_ = H.astype(X.dtype, copy=False)
    est.n_components_ = p["k"]
    est.n_features_in_ = X.shape[1]
    return est.transform(X), est.components_, 0
