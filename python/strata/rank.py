"""strata.NMFk: how many topics, by the stability of NMF under perturbation.

For every k in a range, NMFk fits R perturbed copies of X, clusters the R k
normalized topics with exact (Hungarian) matching, and scores the clusters by
silhouettes with the angular distance; the largest k whose topics stay stable
(minimum silhouette >= threshold) is selected (docs/rank.md). With
``semantic=True`` (SeNMFk) the documents are factored jointly with the
shifted-PPMI word-context matrix passed to ``fit`` as ``cooccurrence``.
"""
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin
from .nmf import _as_core_csr

__all__ = ["NMFk"]


class NMFk(_FeaturesOutMixin, TransformerMixin, BaseEstimator):
    """NMFk / SeNMFk rank selection; after ``fit`` it is the selected NMF model.

    Parameters
    ----------
    k_min, k_max : int, default=2, 10
        The ranks tried are ``range(k_min, k_max + 1, k_step)``; k_min >= 2;
        k_max is clipped to min(n_samples, n_features).
    k_step : int, default=1
    n_perturbations : int, default=20
        Perturbed copies of X fit for every k (>= 2).
    epsilon : float, default=0.015
        Uniform perturbation: every stored value times 1 + U(-epsilon, epsilon).
    perturbation : {'uniform', 'poisson'}, default='uniform'
        'poisson' resamples each stored value as Poisson(value) (for counts).
    init : {'random', 'shared'}, default='random'
        'random' starts every perturbed fit from an independent random point;
        'shared' from one NNDSVDa of X per k (a warm start: faster, but with
        small uniform noise an overfit rank can look stable, docs/rank.md).
    criterion : {'mean-silhouette', 'min-silhouette', 'cophenetic', 'cross-validation', 'coherence'}, \
            default='mean-silhouette'
        What chooses k (docs/rank.md); every criterion is computed and
        reported in ``curve_`` and ``by_criterion_`` whichever one selects.
    mean_threshold : float, default=0.9
        'mean-silhouette' selects the largest k (above k_min) whose mean topic
        silhouette reaches this; when none does, 0.05 lower, then 0.10 lower.
    threshold : float, default=0.8
        Mean silhouette that makes a topic stable ('min-silhouette' asks it of
        every topic).
    coherence_terms : int, default=10
        Top terms per topic in the NPMI coherence.
    consensus_documents : int, default=2000
        Documents in the consensus matrix (a seeded sample above this).
    cross_validation : bool, default=True
        Compute the bi-cross-validation error (four extra quarter-size fits per k).
    min_error_gain : float, default=0.0
        A larger passing rank is preferred only if it lowers the relative error
        of the centroid model by more than this fraction.
    beta_loss : {'frobenius', 'kullback-leibler'}, default='frobenius'
    solver : {'cd', 'hals', 'mu', 'bpp'}, default='cd'
    max_iter : int, default=1000
        Iterations of each fit (fits run to convergence: docs/rank.md).
    tol : float, default=1e-6
    refit : bool, default=True
        Refine the selected rank's centroid model by an NMF of X.
    semantic : bool, default=False
        SeNMFk: needs ``cooccurrence`` (terms x terms counts) in ``fit``.
    semantic_weight : float, default=1.0
        beta = semantic_weight ||X||^2 / ||M||^2 weights the PPMI block.
    pmi_shift : float, default=1.0
        SeNMFk: shifted PPMI, max(PMI - log(pmi_shift), 0).
    random_state : int, RandomState or None, default=None
    threads : int, default=0
        0 uses all cores; the perturbed fits of one k run in parallel.

    Attributes
    ----------
    selected_k_ : int
    n_components_ : int
        Same as selected_k_.
    curve_ : list of dict
        One dict per k: k, silhouette_min {'H', 'W'}, silhouette_mean
        {'H', 'W'}, relative_error, perturbed_error, stable_topics,
        cophenetic, cv_error, coherence, clustering_iterations, seconds. 'H'
        are the topics, 'W' the document loadings.
    selection_ : dict
        criterion, k, met, reason (a sentence with the figures) and
        runners_up (the next best ranks) of the criterion that chose.
    by_criterion_ : list of dict
        The same for every criterion.
    selection_status_ : str
        'selected', or 'below_threshold' when no k passed (the k with the
        highest minimum silhouette is then selected).
    components_ : ndarray (selected_k_, n_features)
        The selected model's topics H.
    embedding_ : ndarray (n_samples, selected_k_)
        The selected model's W for the training data.
    centroids_ : ndarray (selected_k_, n_features)
        Unit-norm centroid topics of the selected rank.
    context_factor_ : ndarray (n_features, selected_k_) or None
        SeNMFk's word-context factor C.
    reconstruction_err_ : float
        ||X - W H||_F / ||X||_F of the selected model.
    curve_svg_ : str
        The curve as an SVG chart.
    """

    def __init__(self, k_min=2, k_max=10, k_step=1, n_perturbations=20, epsilon=0.015, perturbation="uniform",
                 init="random", criterion="mean-silhouette", mean_threshold=0.9, threshold=0.8, coherence_terms=10,
                 consensus_documents=2000, cross_validation=True, min_error_gain=0.0, beta_loss="frobenius",
                 solver="cd", max_iter=1000, tol=1e-6, refit=True, semantic=False, semantic_weight=1.0, pmi_shift=1.0, random_state=None,
                 threads=0):
        self.k_min = k_min
        self.k_max = k_max
        self.k_step = k_step
        self.n_perturbations = n_perturbations
        self.epsilon = epsilon
        self.perturbation = perturbation
        self.init = init
        self.criterion = criterion
        self.mean_threshold = mean_threshold
        self.threshold = threshold
        self.coherence_terms = coherence_terms
        self.consensus_documents = consensus_documents
        self.cross_validation = cross_validation
        self.min_error_gain = min_error_gain
        self.beta_loss = beta_loss
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.refit = refit
        self.semantic = semantic
        self.semantic_weight = semantic_weight
        self.pmi_shift = pmi_shift
        self.random_state = random_state
        self.threads = threads

    def _loss(self):
        return {"frobenius": "frobenius", 2: "frobenius", "kullback-leibler": "kl", 1: "kl"}.get(self.beta_loss) or \
            self._raise(f"beta_loss must be 'frobenius' or 'kullback-leibler', got {self.beta_loss!r}")

    @staticmethod
    def _raise(message):
        raise ValueError(message)

    def fit(self, X, y=None, cooccurrence=None):
        """Selects the rank on X (n_samples x n_features, nonnegative) and keeps its model."""
        X = check_array(X, accept_sparse=("csr", "csc"), dtype=np.float64)
        check_non_negative(X, "NMFk (input X)")
        for count, what in ((X.shape[0], "n_samples"), (X.shape[1], "n_features")):
            if count < 2:
                raise ValueError(f"{what} = {count}: NMFk needs at least 2 (a silhouette needs two clusters)")
        # The ranks tried stop at what the data holds (min(n_samples, n_features)).
        k_max = min(int(self.k_max), min(X.shape))
        if int(self.k_min) > k_max:
            raise ValueError(f"k_min = {self.k_min} exceeds what X of shape {X.shape} holds "
                             f"(min(n_samples, n_features) = {min(X.shape)})")
        solver = {"cd": "hals", "hals": "hals", "mu": "mu", "bpp": "bpp"}.get(self.solver)
        if solver is None:
            raise ValueError(f"solver must be one of 'cd', 'hals', 'mu', 'bpp', got {self.solver!r}")
        c_parts = {}
        if cooccurrence is not None:
            C = sp.csr_matrix(cooccurrence, dtype=np.float64)
            if C.shape != (X.shape[1], X.shape[1]):
                raise ValueError(f"cooccurrence must be {X.shape[1]} x {X.shape[1]} (terms x terms), got {C.shape}")
            C.sum_duplicates()
            c_indptr, c_indices, c_data, _, _ = _as_core_csr(C)
            c_parts = dict(c_indptr=c_indptr, c_indices=c_indices, c_data=c_data)
        elif self.semantic:
            raise ValueError("semantic=True needs the word-context counts: fit(X, cooccurrence=C)")
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max)) \
            if self.random_state is not None else 0
        indptr, indices, data, rows, cols = _as_core_csr(X)
        r = _core.nmfk(indptr, indices, data, rows, cols, k_min=int(self.k_min), k_max=k_max,
                       k_step=int(self.k_step), perturbations=int(self.n_perturbations), epsilon=float(self.epsilon),
                       perturbation=self.perturbation, init=self.init, threshold=float(self.threshold),
                       min_error_gain=float(self.min_error_gain), loss=self._loss(), solver=solver,
                       max_iter=int(self.max_iter), tol=float(self.tol), fit_model=bool(self.refit),
                       criterion=self.criterion, mean_threshold=float(self.mean_threshold), coherence_terms=int(self.coherence_terms),
                       consensus_documents=int(self.consensus_documents),
                       cross_validation=bool(self.cross_validation),
                       semantic=bool(self.semantic), semantic_weight=float(self.semantic_weight),
                       pmi_shift=float(self.pmi_shift), seed=seed, threads=int(self.threads), **c_parts)
        self.curve_ = r["curve"]
        self.selected_k_ = self.n_components_ = int(r["selected_k"])
        self.selection_status_ = r["status"]
        self.selection_ = r["selection"]
        self.by_criterion_ = r["by_criterion"]
        self.embedding_ = np.asarray(r["W"])
        self.components_ = np.asarray(r["H"])
        self.centroids_ = np.asarray(r["centroids"])
        self.context_factor_ = None if r["context_factor"] is None else np.asarray(r["context_factor"])
        self.semantic_beta_ = r["semantic_beta"]
        self.reconstruction_err_ = r["relative_error"]
        self.n_iter_ = r["iterations"]
        self.curve_svg_ = r["svg"]
        self.n_features_in_ = X.shape[1]
        return self

    def fit_transform(self, X, y=None, cooccurrence=None):
        """Fits and returns the selected model's W for X."""
        return self.fit(X, cooccurrence=cooccurrence).embedding_

    @property
    def _n_features_out(self):
        """Number of output features (get_feature_names_out: 'nmfk0', 'nmfk1', ...)."""
        return self.components_.shape[0]

    def _more_tags(self):
        return {"requires_positive_X": True}

    def transform(self, X):
        """W >= 0 minimizing ||X - W components_|| (exact NNLS per row)."""
        check_is_fitted(self, "components_")
        X = check_array(X, accept_sparse=("csr", "csc"), dtype=np.float64)
        check_non_negative(X, "NMFk.transform (input X)")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but NMFk is expecting {self.n_features_in_}")
        indptr, indices, data, rows, cols = _as_core_csr(X)
        return np.asarray(_core.nmf_transform(indptr, indices, data, rows, cols, self.components_,
                                              loss=self._loss(), threads=int(self.threads)))

    def inverse_transform(self, W):
        check_is_fitted(self, "components_")
        return np.asarray(W) @ self.components_

    def curve_array(self):
        """The curve as a numpy structured array (one row per k)."""
        check_is_fitted(self, "curve_")
        fields = [("k", int), ("silhouette_min_H", float), ("silhouette_mean_H", float), ("silhouette_min_W", float),
                  ("silhouette_mean_W", float), ("stable_topics", int), ("cophenetic", float), ("cv_error", float),
                  ("coherence", float), ("relative_error", float), ("seconds", float)]
        return np.array([(c["k"], c["silhouette_min"]["H"], c["silhouette_mean"]["H"], c["silhouette_min"]["W"],
                          c["silhouette_mean"]["W"], c["stable_topics"], c["cophenetic"], c["cv_error"],
                          c["coherence"], c["relative_error"], c["seconds"]) for c in self.curve_],
                        dtype=fields)
