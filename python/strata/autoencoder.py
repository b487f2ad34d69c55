"""strata.SparseAutoencoder: an autoencoder of sparse rows (bags of words)
whose output layer covers the whole vocabulary, trained with the exact
O(d^2)-per-row gradient of Vincent, de Brebisson & Bouthillier (NIPS 2015)
instead of the O(D d) one. See docs/autoencoder.md.
"""
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

try:  # scikit-learn >= 1.6 moved input validation out of BaseEstimator
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:
    def _validate_data(estimator, X, **kwargs):
        return estimator._validate_data(X, **kwargs)

from . import _core
from .decomposition import _core_csr, _integer, _real, _seed, _threads

__all__ = ["SparseAutoencoder"]

_LOSSES = ("squared", "spherical", "taylor", "zloss")


class SparseAutoencoder(TransformerMixin, BaseEstimator):
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
    learning_rate : float, default=0.01 (SGD step on a minibatch's summed loss)
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
    """

    def __init__(self, hidden=(128,), loss="squared", output_update="factored", activation="relu", batch_size=128,
                 epochs=1, max_batches=0, learning_rate=0.01, dtype="float32", random_state=None, threads=0):
        self.hidden = hidden
        self.loss = loss
        self.output_update = output_update
        self.activation = activation
        self.batch_size = batch_size
        self.epochs = epochs
        self.max_batches = max_batches
        self.learning_rate = learning_rate
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
        indptr, indices, data, rows, cols = _core_csr(X)
        r = _core.sparse_autoencoder(
            indptr, indices, data, rows, cols, self._hidden(), loss=self.loss, output_update=self.output_update,
            activation=self.activation, batch_size=_integer("batch_size", self.batch_size, 1),
            epochs=_integer("epochs", self.epochs, 1), max_batches=_integer("max_batches", self.max_batches, 0),
            learning_rate=_real("learning_rate", self.learning_rate, np.finfo(float).tiny), dtype=self.dtype,
            seed=_seed(self.random_state), threads=_threads(self.threads))
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
        self._train_codes = r["codes"]
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X)._train_codes

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
