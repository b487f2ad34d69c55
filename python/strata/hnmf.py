"""strata.HierarchicalNMF: sequential, Deep and Neural NMF over strata's C++ engine.

X (n_samples x n_features) ~ W_l T_l at every layer l, T_l = M_l ... M_1 H_0:
layer 0 is an NMF X ~ W_0 H_0 (``components_`` = H_0), and each deeper layer
factors the previous layer's coefficients, W_{l-1} ~ W_l M_l (``mixing_``).
The papers' X ~ A_0 A_1 ... A_L S_L is the transpose (A_0 = H_0^T,
A_l = M_l^T, S_l = W_l^T); see docs/hnmf.md.

``ranks='auto'`` chooses every layer's rank by NMFk first (layer 0 on X, each
deeper layer on the previous layer's coefficients; docs/hnmf.md, "Ranks
auto"), then fits those ranks as explicit ones.

``fit(X)`` is unsupervised; ``fit(X, y)`` adds the supervised term
0.5 lambda ||L o (Y - W_L B)||^2 on the last layer, with unlabeled entries of y
marked by -1 (numeric y) or None / "" (scikit-learn's semi-supervised
convention), and then ``predict`` / ``decision_function`` classify documents.
"""
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin, validate_data as _validate_data
from ._arrays import csr_to_core

__all__ = ["HierarchicalNMF"]

_METHODS = ("sequential", "deep", "neural")
_LOSSES = ("energy", "reconstruction")
_OPTIMIZERS = ("pgd", "adam")
_PERTURBATIONS = ("uniform", "poisson")
_SELECTION_INITS = ("random", "shared")
_COEFFICIENTS = ("proportions", "raw")


def _core_csr(X):
    if sp.issparse(X):
        X = X.tocsr()
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
    return csr_to_core(X)


def _is_unlabeled(v):
    if v is None:
        return True
    if isinstance(v, str):
        return v == ""
    if isinstance(v, numbers.Number):
        return v == -1 or (isinstance(v, float) and np.isnan(v))
    return False


class HierarchicalNMF(_FeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Hierarchical NMF: layers of topics, each grouping the previous layer's.

    Parameters
    ----------
    ranks : sequence of int or 'auto', default=(9, 4, 2)
        k_0 >= k_1 >= ... >= 1, topics per layer (k_0 <= min(n_samples, n_features)),
        or 'auto': layer 0's rank by NMFk on X over [k_min, k_max], each deeper
        layer's by NMFk on the previous layer's coefficients over
        [k_min, k_prev - 1]; the hierarchy stops at max_layers, when the last rank
        is k_min, or when no rank of the next layer reaches ``threshold`` (that
        layer is not added). The selection options below are used only then.
    method : {'sequential', 'deep', 'neural'}, default='neural'
        'sequential' fits layer by layer; 'deep' refines all layers jointly on
        ||X - W_L M_L ... M_1 H_0||^2; 'neural' (Neural NMF) pins every W_l to
        the factors by exact NNLS and trains the factors by backpropagation.
        'deep' and 'neural' start from the sequential fit.
    loss : {'reconstruction', 'energy'}, default='reconstruction'
        Neural NMF's cost: 0.5 ||X - W_L T_L||^2, or the energy
        0.5 sum_l ||W_{l-1} - W_l M_l||^2 (W_{-1} = X, M_0 = H_0).
    lam : float or None, default=None
        Weight of the supervised term; None = ||X||_F^2 / (number of labeled samples).
    epochs : int, default=100
        Refinement epochs (deep, neural).
    learning_rate : float, default=0.05
        Relative step of the optimizer (see docs/hnmf.md).
    optimizer : {'pgd', 'adam'}, default='pgd'
        Projected gradient with backtracking (the cost never increases) or Adam.
    layer_iter : int, default=200
        NMF iterations per layer of the sequential fit.
    tol : float, default=1e-4
        Layer NMF tolerance; refinement stops when the relative change of the
        cost falls below tol / 100 (pgd, deep).
    random_state : int, RandomState instance or None, default=None
    threads : int, default=0
        Threads; 0 = all cores.
    verbose : int, default=0
        Print the cost once per epoch (and the minimum silhouette per rank tried).
    k_min, k_max : int, default=2, 20
        ranks='auto': ranks tried, k_min at every layer, k_max at layer 0.
    max_layers : int, default=3
        ranks='auto': at most this many layers.
    n_perturbations : int, default=20
        ranks='auto': NMFk's perturbed fits per rank (>= 2).
    epsilon : float, default=0.015
        ranks='auto': uniform noise amplitude.
    perturbation : {'uniform', 'poisson'}, default='uniform'
    selection_init : {'random', 'shared'}, default='random'
        ranks='auto': how NMFk's perturbed fits start (``NMFk``'s ``init``).
    criterion : str, default='mean-silhouette'
        ranks='auto': what chooses layer 0's rank, as in ``NMFk`` (deeper
        layers use 'min-silhouette', docs/hnmf.md).
    mean_threshold : float, default=0.9
        ranks='auto': layer 0's mean topic silhouette under 'mean-silhouette'.
    threshold : float, default=0.8
        ranks='auto': minimum topic silhouette a rank needs (min-silhouette).
    min_error_gain : float, default=0.0
        ranks='auto': NMFk's tie-breaker on the error curve.
    selection_coefficients : {'proportions', 'raw'}, default='proportions'
        ranks='auto': what the deeper layers' NMFk clusters: the previous
        layer's coefficients with rows scaled to sum 1, or as fitted.

    Attributes
    ----------
    components_ : ndarray (k_0, n_features), H_0
    layer_components_ : list of ndarray (k_l, n_features), T_l per layer
    mixing_ : list of ndarray (k_l, k_{l-1}), M_l for l >= 1
    layer_errors_ : list of float, ||X - W_l T_l||_F / ||X||_F per layer
    layer_accuracies_ : list of float (supervised), accuracy on the labeled samples per layer
    classes_ : ndarray (supervised)
    classifier_ : ndarray (k_L, n_classes) B (supervised)
    transduction_ : ndarray (supervised), predicted class of every training sample
    layer_transductions_ : list of ndarray (supervised), the same from every layer (a
        nonnegative least-squares read-out of W_l below the last layer): per-layer
        accuracy on the unlabeled samples is ``np.mean(t[~labeled] == y_true[~labeled])``
    ranks_ : list of int, the ranks fit (selected when ranks='auto')
    rank_selection_ : list of dict (ranks='auto'), one per layer whose rank NMFk
        chose or rejected: layer, k_min, k_max, selected_k, status, added, seconds,
        curve (per k: k, silhouette_min {'H', 'W'}, silhouette_mean {'H', 'W'},
        relative_error, perturbed_error, seconds); None with explicit ranks
    selection_stop_ : str (ranks='auto'), why the hierarchy stopped growing:
        'max_layers', 'min_rank' or 'below_threshold'; None with explicit ranks
    history_ : list of dict (iteration, seconds, loss) per epoch
    n_iter_ : int, epochs run
    reconstruction_err_ : float, ||X - W_L T_L||_F
    """

    def __init__(self, ranks=(9, 4, 2), *, method="neural", loss="reconstruction", lam=None, epochs=100,
                 learning_rate=0.05, optimizer="pgd", layer_iter=200, tol=1e-4, random_state=None, threads=0,
                 verbose=0, k_min=2, k_max=20, max_layers=3, n_perturbations=20, epsilon=0.015,
                 perturbation="uniform", selection_init="random", criterion="mean-silhouette", mean_threshold=0.9,
                 threshold=0.8, min_error_gain=0.0, selection_coefficients="proportions"):
        self.ranks = ranks
        self.method = method
        self.loss = loss
        self.lam = lam
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.layer_iter = layer_iter
        self.tol = tol
        self.random_state = random_state
        self.threads = threads
        self.verbose = verbose
        self.k_min = k_min
        self.k_max = k_max
        self.max_layers = max_layers
        self.n_perturbations = n_perturbations
        self.epsilon = epsilon
        self.perturbation = perturbation
        self.selection_init = selection_init
        self.criterion = criterion
        self.mean_threshold = mean_threshold
        self.threshold = threshold
        self.min_error_gain = min_error_gain
        self.selection_coefficients = selection_coefficients

    def _check_selection_params(self, X):
        for name, value, low in (("k_min", self.k_min, 2), ("k_max", self.k_max, 2), ("max_layers", self.max_layers, 1),
                                 ("n_perturbations", self.n_perturbations, 2)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if self.k_min > min(X.shape):
            raise ValueError(f"k_min must be <= min(n_samples, n_features) = {min(X.shape)}, got {self.k_min}")
        if self.k_max < self.k_min:
            raise ValueError(f"k_max must be >= k_min = {self.k_min}, got {self.k_max}")
        for name, value, allowed in (("perturbation", self.perturbation, _PERTURBATIONS),
                                     ("selection_init", self.selection_init, _SELECTION_INITS),
                                     ("selection_coefficients", self.selection_coefficients, _COEFFICIENTS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        for name, value, low, high in (("epsilon", self.epsilon, 0, 1), ("threshold", self.threshold, -1, 1),
                                       ("min_error_gain", self.min_error_gain, 0, 1)):
            ok = isinstance(value, numbers.Real) and np.isfinite(value) and low <= value <= high
            ok = ok and (name == "threshold" or value < high) and (name != "epsilon" or value > 0)
            if not ok:
                raise ValueError(f"{name} must be in the range of docs/hnmf.md ({low} .. {high}), got {value!r}")

    def _check_params(self, X):
        if isinstance(self.ranks, str):
            if self.ranks != "auto":
                raise ValueError(f"ranks must be a sequence of integers or 'auto', got {self.ranks!r}")
            self._check_selection_params(X)
            ranks = []
        else:
            try:
                ranks = [int(k) for k in self.ranks]
            except (TypeError, ValueError):
                raise ValueError(f"ranks must be a sequence of integers or 'auto', got {self.ranks!r}") from None
            if not ranks or any(k < 1 for k in ranks) or any(b > a for a, b in zip(ranks, ranks[1:])):
                raise ValueError(f"ranks must be non-increasing positive integers, got {self.ranks!r}")
        if ranks and ranks[0] > min(X.shape):
            raise ValueError(f"ranks[0] must be <= min(n_samples, n_features) (n_samples = {X.shape[0]}, "
                             f"n_features = {X.shape[1]}), got {ranks[0]}")
        for name, value, allowed in (("method", self.method, _METHODS), ("loss", self.loss, _LOSSES),
                                     ("optimizer", self.optimizer, _OPTIMIZERS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        for name, value, low in (("epochs", self.epochs, 0), ("layer_iter", self.layer_iter, 1),
                                 ("threads", self.threads, 0)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        for name, value in (("learning_rate", self.learning_rate), ("tol", self.tol)):
            if not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0 or \
                    (name == "learning_rate" and value == 0):
                raise ValueError(f"{name} must be a {'positive' if name == 'learning_rate' else 'nonnegative'} "
                                 f"number, got {value!r}")
        lam = -1.0
        if self.lam is not None:
            if not isinstance(self.lam, numbers.Real) or not np.isfinite(self.lam) or self.lam < 0:
                raise ValueError(f"lam (lambda) must be a nonnegative number or None, got {self.lam!r}")
            lam = float(self.lam)
        return ranks, lam

    def _encode_labels(self, y, n_samples):
        y = np.asarray(y, dtype=object).ravel()
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} entries but X has {n_samples} samples")
        labeled = np.array([not _is_unlabeled(v) for v in y], dtype=bool)
        if not labeled.any():
            raise ValueError("y has no labeled sample (unlabeled ones are marked -1, None or '')")
        classes = np.unique(np.asarray(y[labeled].tolist()))
        if classes.shape[0] < 2:
            raise ValueError(f"y needs at least two classes among the labeled samples, got {classes.tolist()}")
        codes = np.full(n_samples, -1, dtype=np.int32)
        codes[labeled] = np.searchsorted(classes, np.asarray(y[labeled].tolist()))
        return classes, codes

    def fit_transform(self, X, y=None):
        """Fit the hierarchy (semi-supervised when y is given); returns W_L of the training data."""
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32])
        check_non_negative(X, "HierarchicalNMF (input X)")
        ranks, lam = self._check_params(X)
        codes, classes = None, None
        if y is not None:
            classes, codes = self._encode_labels(y, X.shape[0])
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        progress = self._print_progress if self.verbose else None
        indptr, indices, data, rows, cols = _core_csr(X)
        r = _core.hierarchical_nmf(indptr, indices, data, rows, cols, ranks, method=self.method, loss=self.loss,
                                   label_codes=None if codes is None else codes.tolist(),
                                   n_classes=0 if classes is None else len(classes), lambda_=lam,
                                   epochs=int(self.epochs), learning_rate=float(self.learning_rate),
                                   optimizer=self.optimizer, layer_iter=int(self.layer_iter), tol=float(self.tol),
                                   seed=seed, threads=int(self.threads), progress=progress,
                                   **self._selection_kwargs(ranks))
        layers = r["layers"]
        self.ranks_ = [int(k) for k in r["ranks"]]
        auto = not ranks
        self.rank_selection_ = r["rank_selection"] if auto else None
        self.selection_stop_ = r["selection_stop"] if auto else None
        self.components_ = layers[0]["H"]
        self.layer_components_ = [layer["H"] for layer in layers]
        self.mixing_ = [layer["mixing"] for layer in layers[1:]]
        self.layer_errors_ = [float(layer["relative_error"]) for layer in layers]
        self.history_ = r["history"]
        self.n_iter_ = int(r["epochs"])
        self.status_ = r["status"]
        self.fit_seconds_ = float(r["seconds"])
        self.reconstruction_err_ = float(self.layer_errors_[-1] * sp.linalg.norm(X) if sp.issparse(X)
                                         else self.layer_errors_[-1] * np.linalg.norm(X))
        if classes is not None:
            self.classes_ = classes
            self.classifier_ = r["B"]
            self.lambda_used_ = float(r["lambda"])
            self.layer_accuracies_ = [float(layer["accuracy"]) for layer in layers]
            self.transduction_ = classes[np.asarray(r["predicted"], dtype=np.intp)]
            self.layer_transductions_ = [classes[np.asarray(layer["predicted"], dtype=np.intp)] for layer in layers]
        return layers[-1]["W"].astype(X.dtype, copy=False)

    def fit(self, X, y=None):
        """Fit the hierarchy (see fit_transform); returns self."""
        self.fit_transform(X, y)
        return self

    def _selection_kwargs(self, ranks):
        if ranks:
            return {}
        return dict(auto_ranks=True, k_min=int(self.k_min), k_max=int(self.k_max), max_layers=int(self.max_layers),
                    perturbations=int(self.n_perturbations), epsilon=float(self.epsilon),
                    perturbation=self.perturbation, init=self.selection_init, threshold=float(self.threshold),
                    criterion=self.criterion, mean_threshold=float(self.mean_threshold),
                    min_error_gain=float(self.min_error_gain), coefficients=self.selection_coefficients)

    def _print_progress(self, event):
        if event["stage"] == "rank":
            print(f"HierarchicalNMF rank selection {event['epoch']}/{event['epochs']}: minimum silhouette "
                  f"{event['loss']:.4f} ({event['seconds']:.3f} s)", flush=True)
            return
        print(f"HierarchicalNMF epoch {event['epoch']}/{event['epochs']}: cost {event['loss']:.6g} "
              f"({event['seconds']:.3f} s)", flush=True)

    def transform_layers(self, X):
        """The coefficients of every layer for X by the forward pass
        W_0 = q(X, H_0), W_l = q(W_{l-1}, M_l) (exact NNLS); a list of arrays."""
        check_is_fitted(self)
        X = _validate_data(self, X, accept_sparse=("csr", "csc"), dtype=[np.float64, np.float32], reset=False)
        check_non_negative(X, "HierarchicalNMF (input X)")
        indptr, indices, data, rows, cols = _core_csr(X)
        factors = [np.ascontiguousarray(self.components_)] + [np.ascontiguousarray(M) for M in self.mixing_]
        Ws = _core.hnmf_forward(indptr, indices, data, rows, cols, factors, threads=int(self.threads))
        return [W.astype(X.dtype, copy=False) for W in Ws]

    @property
    def _n_features_out(self):
        """Number of output features (get_feature_names_out: 'hierarchicalnmf0', 'hierarchicalnmf1', ...)."""
        return self.layer_components_[-1].shape[0]

    def transform(self, X):
        """The last layer's coefficients W_L of X (forward pass), shape (n_samples, k_L)."""
        return self.transform_layers(X)[-1]

    def inverse_transform(self, W):
        """X ~ W_L T_L, of shape (n_samples, n_features)."""
        check_is_fitted(self)
        return W @ self.layer_components_[-1]

    def decision_function(self, X):
        """Class scores W_L B of X (after a supervised fit), shape (n_samples, n_classes)."""
        check_is_fitted(self, "classifier_", msg="This %(name)s has no classifier: fit it with labels, fit(X, y).")
        return self.transform(X) @ self.classifier_

    def predict(self, X):
        """The class with the highest score W_L B (after a supervised fit)."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, X, y):
        """Accuracy of predict(X) against y (after a supervised fit)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    @property
    def _n_features_out(self):
        return self.layer_components_[-1].shape[0]

    def _more_tags(self):
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}
