"""strata.SSNMF: semi-supervised NMF as a scikit-learn classifier.

X (n_samples x n_features) ~ W H and the one-hot labels Y (n_samples x
n_classes) ~ W B, W, H, B >= 0, minimizing

    D(X, W H) + lam * D(L o Y, L o W B)

where L masks the unlabeled samples and D is 0.5 ||.||_F^2 ('frobenius') or
the generalized I-divergence ('kl'), chosen separately for the data and the
label term (Lee, Yoo & Choi 2010; Haddock et al. 2020). Unlabeled samples are
marked in ``y`` by -1 (numeric labels, scikit-learn's semi-supervised
convention) or by "" / None (string labels). A sample's class is the argmax of
w B, w its fold-in codes (NNLS against H, ``transform``), with B refit on the
labeled samples' fold-in codes (classifier='fold-in'). n_components and lam
are chosen, when not given, by cross-validation over the labeled samples
(``folds`` stratified folds), whose accuracy is ``validation_accuracy_``. docs/ssnmf.md has the math and
the rules.
"""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_non_negative, check_consistent_length

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin
from .nmf import _as_core_csr, _validate_data

__all__ = ["SSNMF"]

_SOLVERS = ("hals", "bpp", "mu")
_LOSSES = {"frobenius": "frobenius", "kl": "kl", "kullback-leibler": "kl"}
_INITS = ("random", "nndsvd", "nndsvda", "nndsvdar")


def _unlabeled_mask(y):
    """True where y marks an unlabeled sample: -1 for numbers, "" or None otherwise."""
    if y.dtype.kind in "iuf":
        return y == -1
    return np.array([v is None or (isinstance(v, str) and v == "") or
                     (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v == -1) for v in y], dtype=bool)


class SSNMF(_FeaturesOutMixin, ClassifierMixin, TransformerMixin, BaseEstimator):
    """Semi-supervised nonnegative matrix factorization (topics that classify).

    Parameters
    ----------
    n_components : int or None, default=None
        Number of topics k; None chooses it by validation among c, 4c and 16c
        (c classes; clamped to min(n_samples, n_features) / 8).
    lam : float or None, default=None
        Weight of the label term; None (or 0) chooses it by validation among
        0.1, 1 and 10 times the balance value scale(X) /
        scale(Y_labeled) (both terms weigh the same at W = 0), scale = 0.5
        ||.||_F^2 for a Frobenius term and the sum of entries for a KL term.
    folds : int, default=3
        Cross-validation folds over the labeled samples (stratified): every
        candidate (n_components, lam) is fit once per fold with that fold's
        labels hidden and scored by its accuracy on them, pooled over the
        folds; the best (ties: the smaller log-loss) is refit with all labels.
        The pooled accuracy is ``validation_accuracy_``. 1: one split, hiding
        the ``validation`` fraction.
    validation : float, default=0.2
        0: no validation (then None takes 4c and 1x); with folds=1, the
        fraction of the labeled samples (per class) whose labels are hidden
        from the candidate fits.
    classifier : {'fold-in', 'joint'}, default='fold-in'
        'fold-in': every sample is classified from its fold-in codes, with B
        refit on the labeled samples' fold-in codes. 'joint': the papers' rule,
        the fitted W and the jointly fitted B.
    loss : {'frobenius', 'kl'}, default='frobenius'
        The data term.
    label_loss : {'frobenius', 'kl'}, default='frobenius'
        The label term.
    solver : {'hals', 'bpp', 'mu'}, default='hals'
        'hals': NNLS row kernels (two row groups for W: labeled rows see the
        stacked Gram H H^T + lam B B^T), exact NNLS for B; with a KL term, W
        takes the multiplicative update and H, B KL coordinate descent.
        'bpp': exact NNLS for every block (Frobenius only). 'mu': the papers'
        multiplicative updates.
    init : {'random', 'nndsvd', 'nndsvda', 'nndsvdar'} or None, default=None
        Initialization of W and H (None: 'nndsvda'); B is then fitted exactly.
    tol : float, default=1e-4
        Stop when the relative change of the objective is at most tol.
    max_iter : int, default=200
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        If > 0, print one line per iteration.
    threads : int, default=0
        Threads used by the engine; 0 uses all cores.
    inner_sweeps : int, default=0
        HALS sweeps per sparse product; 0 chooses automatically.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The distinct labels seen (unlabeled markers excluded), sorted.
    components_ : ndarray of shape (n_components, n_features)
        H, the topics.
    label_components_ : ndarray of shape (n_components, n_classes)
        B, the topic-to-class map used to classify (refit with 'fold-in').
    joint_label_components_ : ndarray of shape (n_components, n_classes)
        The B of the joint factorization.
    transduction_ : ndarray of shape (n_samples,)
        The label predicted for each training sample (by the classifier rule).
    lambda_ : float
        The label weight used.
    validation_accuracy_ : float
        Accuracy on the validation samples (every labeled sample with
        cross-validation), each scored by a fit that did not see its label
        (nan without validation).
    selection_ : list of dict
        Every (k, lambda) tried: k, lambda, lambda_multiple, accuracy (pooled over the folds),
        log_loss, fold_accuracy, iterations, seconds (summed over the folds' fits).
    n_components_, n_iter_, history_, status_, relative_error_, reconstruction_err_,
    training_accuracy_ (on the labeled samples, whose labels the fit saw), validation_documents_,
    fit_seconds_, n_features_in_.
    """

    def __init__(self, n_components=None, *, lam=None, loss="frobenius", label_loss="frobenius", solver="hals",
                 init=None, tol=1e-4, max_iter=200, random_state=None, verbose=0, threads=0, inner_sweeps=0,
                 validation=0.2, classifier="fold-in", folds=3):
        self.n_components = n_components
        self.lam = lam
        self.validation = validation
        self.folds = folds
        self.classifier = classifier
        self.loss = loss
        self.label_loss = label_loss
        self.solver = solver
        self.init = init
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.verbose = verbose
        self.threads = threads
        self.inner_sweeps = inner_sweeps

    def _check_params(self, X, n_classes):
        def integer(name, value, low, allow_none=False):
            if value is None and allow_none:
                return None
            if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}{' or None' if allow_none else ''}, "
                                 f"got {value!r}")
            return int(value)

        def real(name, value, low, allow_none=False):
            if value is None and allow_none:
                return 0.0
            if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not \
                    (low <= value < np.inf):
                raise ValueError(f"{name} must be a finite real number >= {low}{' or None' if allow_none else ''}, "
                                 f"got {value!r}")
            return float(value)

        limit = min(X.shape)
        k = integer("n_components", self.n_components, 1, allow_none=True)
        if k is None:
            k = 0  # chosen by validation (cross-validation by default)
        if k > limit:
            raise ValueError(f"strata.SSNMF needs n_components <= min(n_samples, n_features) = {limit}, got "
                             f"n_components = {k} for X of shape {X.shape}")
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {', '.join(_LOSSES)}, got {self.loss!r}")
        if self.label_loss not in _LOSSES:
            raise ValueError(f"label_loss must be one of {', '.join(_LOSSES)}, got {self.label_loss!r}")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(_SOLVERS)}, got {self.solver!r}")
        loss, label_loss = _LOSSES[self.loss], _LOSSES[self.label_loss]
        if self.solver == "bpp" and (loss, label_loss) != ("frobenius", "frobenius"):
            raise ValueError("solver='bpp' needs loss='frobenius' and label_loss='frobenius' (use 'hals' or 'mu')")
        if self.init is not None and self.init not in _INITS:
            raise ValueError(f"init must be one of {', '.join(_INITS)} or None, got {self.init!r}")
        validation = real("validation", self.validation, 0.0)
        if validation >= 1:
            raise ValueError(f"validation must be in [0, 1), got {self.validation!r}")
        if self.classifier not in ("fold-in", "joint"):
            raise ValueError(f"classifier must be 'fold-in' or 'joint', got {self.classifier!r}")
        integer("verbose", int(self.verbose) if isinstance(self.verbose, (bool, np.bool_)) else self.verbose, 0)
        return dict(k=k, lam=real("lam", self.lam, 0.0, allow_none=True), loss=loss, label_loss=label_loss,
                    solver=self.solver, init=self.init or "nndsvda", tol=real("tol", self.tol, 0.0),
                    max_iter=integer("max_iter", self.max_iter, 1), threads=integer("threads", self.threads, 0),
                    inner_sweeps=integer("inner_sweeps", self.inner_sweeps, 0), validation=validation,
                    folds=integer("folds", self.folds, 1))

    def _encode(self, y, n_samples):
        """y with unlabeled markers -> (classes, int32 codes with -1 for unlabeled)."""
        y = column_or_1d(y, warn=True)
        check_consistent_length(np.empty(n_samples), y)
        unlabeled = _unlabeled_mask(y)
        if unlabeled.all():
            raise ValueError("y has no labeled sample: mark unlabeled samples with -1 (numbers) or '' / None "
                             "(strings) and label at least one")
        labeled = y[~unlabeled]
        if labeled.dtype == object:
            if not all(isinstance(v, str) for v in labeled) and not all(
                    isinstance(v, numbers.Number) and not isinstance(v, bool) for v in labeled):
                raise ValueError("y mixes strings and numbers; use one type (and -1, '' or None for unlabeled)")
            labeled = labeled.astype(str) if isinstance(labeled[0], str) else labeled.astype(np.float64)
        check_classification_targets(labeled)
        classes, labeled_codes = np.unique(labeled, return_inverse=True)
        codes = np.full(n_samples, -1, dtype=np.int32)
        codes[~unlabeled] = labeled_codes
        return classes, codes

    def fit(self, X, y):
        """Learn topics and the topic-to-class map from X and the partial labels y; returns self."""
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        check_non_negative(X, "SSNMF (input X)")
        classes, codes = self._encode(y, X.shape[0])
        p = self._check_params(X, len(classes))
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        progress = self._print_progress if self.verbose else None
        indptr, indices, data, rows, cols = _as_core_csr(X)
        r = _core.ssnmf(indptr, indices, data, rows, cols, codes, len(classes), p["k"], solver=p["solver"],
                        loss=p["loss"], label_loss=p["label_loss"], lam=p["lam"], init=p["init"],
                        max_iter=p["max_iter"], tol=p["tol"], inner_sweeps=p["inner_sweeps"], seed=seed,
                        threads=p["threads"], progress=progress, validation=p["validation"],
                        classifier=self.classifier, folds=p["folds"])
        if r["status"] == "max_iterations" and p["tol"] > 0:
            warnings.warn(f"Maximum number of iterations {p['max_iter']} reached. Increase it to improve "
                          "convergence.", ConvergenceWarning)
        self.classes_ = classes
        self.n_components_ = int(r["k"])
        self.components_ = r["H"]
        self.label_components_ = r["B"]
        self.joint_label_components_ = r["B_fit"]
        self.lambda_ = float(r["lambda"])
        self.transduction_ = classes[r["predicted"]]
        self.training_accuracy_ = float(r["training_accuracy"])
        self.validation_accuracy_ = float(r["validation_accuracy"])
        self.validation_documents_ = int(r["validation_documents"])
        self.selection_ = list(r["selection"])
        # The class predicted where a sample's scores are all zero (no known feature).
        self._fallback = int(np.argmax(np.bincount(codes[codes >= 0], minlength=len(classes))))
        self.n_iter_ = int(r["iterations"])
        self.history_ = r["history"]
        self.status_ = r["status"]
        self.relative_error_ = float(r["relative_error"])
        self.reconstruction_err_ = float(r["relative_error"] * np.sqrt(sp.csr_matrix(X).power(2).sum()))
        self.loss_ = float(r["loss"])
        self.fit_seconds_ = float(r["seconds"])
        return self

    def _print_progress(self, event):
        print(f"SSNMF iteration {event['iteration']}/{event['max_iter']}: objective {event['loss']:.6g} "
              f"({event['seconds']:.3f} s)", flush=True)

    @property
    def _n_features_out(self):
        """Number of output features (get_feature_names_out: 'ssnmf0', 'ssnmf1', ...)."""
        return self.components_.shape[0]

    def transform(self, X):
        """W for samples with the topics fixed: argmin_{W >= 0} D(X, W H) (exact NNLS per row for
        Frobenius, coordinate descent for KL). Labels play no part.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        check_non_negative(X, "SSNMF (input X)")
        indptr, indices, data, rows, cols = _as_core_csr(X)
        H = np.ascontiguousarray(self.components_, dtype=np.float64)
        return _core.nmf_transform(indptr, indices, data, rows, cols, H, loss=_LOSSES[self.loss],
                                   max_iter=int(self.max_iter), threads=int(self.threads))

    def predict_proba(self, X):
        """Class scores: each sample's row of W B normalized to sum to 1 (uniform when it is zero)."""
        W = self.transform(X)
        return _core.ssnmf_scores(W, np.ascontiguousarray(self.label_components_))

    def predict(self, X):
        """The class with the largest score (the most frequent training class where all scores are zero)."""
        W = self.transform(X)
        S = W @ self.label_components_
        best = np.argmax(S, axis=1)
        best[S.max(axis=1, initial=0.0) <= 0] = self._fallback
        return self.classes_[best]

    def fit_predict(self, X, y):
        """Fit, then the labels of the training samples (``transduction_``, by the classifier rule)."""
        return self.fit(X, y).transduction_

    def _more_tags(self):
        return {"requires_positive_X": True, "preserves_dtype": []}
