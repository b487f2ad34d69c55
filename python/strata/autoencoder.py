"""strata.SparseAutoencoder: an autoencoder of sparse rows (bags of words)
whose output layer covers the whole vocabulary, trained with the exact
O(d^2)-per-row gradient of Vincent, de Brebisson & Bouthillier (NIPS 2015)
instead of the O(D d) one. See docs/autoencoder.md.
"""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._sklearn import FeaturesOutMixin as _FeaturesOutMixin, validate_data as _validate_data
from .decomposition import _core_csr, _integer, _real, _seed, _threads

__all__ = ["SparseAutoencoder"]

_LOSSES = ("squared", "spherical", "taylor", "zloss")


class SparseAutoencoder(_FeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Autoencoder x -> hidden layers -> o = W h (D outputs) reconstructing x.

    Parameters
    ----------
    hidden : sequence of int, default=(128,)
        Widths of the hidden layers; the last one feeds the output layer and
        gives the codes (``transform``).
    loss : {'squared', 'spherical', 'taylor', 'zloss'}, default='squared'
    output_update : {'factored', 'naive'}, default='factored'
        'factored' keeps W = V U and updates it exactly in O(d^2) per row;
        'naive' is the plain O(D d) layer (same results, for reference).
    activation : {'relu', 'tanh', 'sigmoid'}, default='relu'
    batch_size, epochs : int
    max_batches : int, default=0 (no limit)
    optimizer : {'adam', 'sgd'}, default='adam'
        'adam': the input and hidden layers take Adam steps scaled to their
        inputs, the output layer the exact SGD step at ``output_rate`` of its
        stability limit (docs/autoencoder.md); 'sgd': one plain SGD step
        ``learning_rate`` on every layer (the behaviour before these defaults).
    learning_rate : float, default=0.3
        'adam': how far a step moves a pre-activation (the input layer's step
        is divided by the rows' mean L1 norm, the biases take a tenth);
        'sgd': the step on a minibatch's summed loss. 0: no update.
    output_rate : float in [0, 1], default=0.4
        'adam': the output layer's step eta = output_rate / (2 lambda_max(H^T H))
        for the minibatch's codes H.
    decay : bool, default=True
        'adam': both rates decay linearly over the planned minibatches.
    dtype : {'float32', 'float64'}, default='float32'
    random_state : int, RandomState or None
    threads : int, default=0 (all cores)

    Attributes
    ----------
    encoder_weights_ : list of ndarray ([0] is the D x d_1 input layer)
    encoder_biases_ : list of ndarray
    decoder_ : ndarray (D x d_L), the output layer's W
    history_ : list of dict (iteration, seconds, loss) per epoch
    seconds_per_batch_, output_seconds_per_batch_ : float
    n_iter_ : int (epochs run); loss_ : float (mean loss per row, last epoch)
    relative_error_ : float
        Mean over the nonzero rows of ||x - x_hat||^2 / ||x||^2 after training
        (the truncated SVD's rows give the same measure: 1 - ||x V||^2 / ||x||^2).
    corpus_relative_error_ : float, ||X - X_hat||_F^2 / ||X||_F^2
    start_loss_, end_loss_ : float
        Loss over the first / last minibatches relative to their targets'
        squared norms.
    status_ : {'finished', 'not_learning', 'interrupted'}
        'not_learning' (with a ConvergenceWarning) when end_loss_ is not 2%
        below start_loss_ or, for the squared error, relative_error_ >= 0.98.
    dead_units_ : int (code units 0 on every row); zero_codes_ : float (share of zero codes)
    """

    def __init__(self, hidden=(128,), loss="squared", output_update="factored", activation="relu", batch_size=128,
                 epochs=1, max_batches=0, optimizer="adam", learning_rate=0.3, output_rate=0.4, decay=True,
                 dtype="float32", random_state=None, threads=0):
        self.hidden = hidden
        self.loss = loss
        self.output_update = output_update
        self.activation = activation
        self.batch_size = batch_size
        self.epochs = epochs
        self.max_batches = max_batches
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.output_rate = output_rate
        self.decay = decay
        self.dtype = dtype
        self.random_state = random_state
        self.threads = threads

    def _hidden(self):
        widths = [self.hidden] if isinstance(self.hidden, numbers.Integral) else list(self.hidden)
        if not widths:
            raise ValueError("hidden must name at least one layer width, got an empty sequence")
        return [_integer("hidden", w, 1) for w in widths]

    def fit(self, X, y=None):
        X = _validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=True)
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}, got {self.loss!r}")
        if self.output_update not in ("factored", "naive"):
            raise ValueError(f"output_update must be 'factored' or 'naive', got {self.output_update!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        if self.activation not in ("relu", "tanh", "sigmoid"):
            raise ValueError(f"activation must be 'relu', 'tanh' or 'sigmoid', got {self.activation!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        output_rate = _real("output_rate", self.output_rate, 0.0)
        if output_rate > 1:
            raise ValueError(f"output_rate must be in [0, 1], got {self.output_rate!r}")
        indptr, indices, data, rows, cols = _core_csr(X)
        r = _core.sparse_autoencoder(
            indptr, indices, data, rows, cols, self._hidden(), loss=self.loss, output_update=self.output_update,
            activation=self.activation, batch_size=_integer("batch_size", self.batch_size, 1),
            epochs=_integer("epochs", self.epochs, 1), max_batches=_integer("max_batches", self.max_batches, 0),
            learning_rate=_real("learning_rate", self.learning_rate, 0.0), dtype=self.dtype,
            seed=_seed(self.random_state), threads=_threads(self.threads), optimizer=self.optimizer,
            output_rate=output_rate, decay=bool(self.decay))
        self.encoder_weights_ = list(r["weights"])
        self.encoder_biases_ = [np.asarray(b) for b in r["biases"]]
        self.decoder_ = r["decoder"]
        self.history_ = list(r["history"])
        self.n_iter_ = len(self.history_)
        self.n_batches_ = int(r["batches"])
        self.loss_ = float(r["loss"])
        self.seconds_ = float(r["seconds"])
        self.seconds_per_batch_ = float(r["seconds_per_batch"])
        self.output_seconds_per_batch_ = float(r["output_seconds_per_batch"])
        self.stabilization_ = {k: int(r["stabilization_" + k])
                               for k in ("checks", "corrections", "passes", "flushes", "directions", "folds", "resyncs")}
        self.relative_error_ = float(r["relative_error"])
        self.corpus_relative_error_ = float(r["corpus_relative_error"])
        self.start_loss_ = float(r["start_loss"])
        self.end_loss_ = float(r["end_loss"])
        self.dead_units_ = int(r["dead_units"])
        self.zero_codes_ = float(r["zero_codes"])
        self.status_ = str(r["status"])
        self._train_codes = r["codes"]
        if self.status_ == "not_learning":
            warnings.warn(
                f"SparseAutoencoder is not learning: loss relative to the targets {self.start_loss_:.4g} over the "
                f"first minibatches, {self.end_loss_:.4g} over the last; relative error {self.relative_error_:.4g} "
                f"(predicting zeros: 1); {self.dead_units_} of {self.decoder_.shape[1]} code units dead. "
                "Try another learning_rate / output_rate.", ConvergenceWarning, stacklevel=2)
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X)._train_codes

    @property
    def _n_features_out(self):
        """Number of output features (get_feature_names_out: 'sparseautoencoder0', 'sparseautoencoder1', ...)."""
        return len(self.encoder_biases_[-1])

    def transform(self, X):
        """Codes: the last hidden layer of each row of X (n x hidden[-1])."""
        check_is_fitted(self, "encoder_weights_")
        X = _validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        indptr, indices, data, rows, cols = _core_csr(X)
        return _core.autoencoder_encode(indptr, indices, data, rows, cols, self.encoder_weights_,
                                        self.encoder_biases_, activation=self.activation,
                                        threads=_threads(self.threads))

    def _more_tags(self):
        return {"X_types": ["2darray", "sparse"], "poor_score": True}
