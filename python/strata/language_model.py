"""strata.NeuralLanguageModel: a neural language model (C previous words ->
embeddings -> hidden layer -> next word over the whole vocabulary) whose
output layer is trained with the exact O(H^2)-per-word gradient of Vincent,
de Brebisson & Bouthillier (NIPS 2015). See docs/autoencoder.md.
"""
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from . import _core
from .decomposition import _integer, _real, _seed, _threads

__all__ = ["NeuralLanguageModel"]

_LOSSES = ("squared", "spherical", "taylor", "zloss")


class NeuralLanguageModel(BaseEstimator):
    """Next-word model over the token stream of a list of documents.

    Tokens come from strata's tokenizer (lowercase, runs of two or more word
    characters); the vocabulary is the words seen at least ``min_count``
    times (at most ``max_vocabulary`` most frequent); other words are dropped
    from the stream. Contexts do not cross documents.

    Parameters
    ----------
    context : int, default=4 (previous words per prediction)
    dim : int, default=64 (embedding width)
    hidden : int, default=128 (hidden units)
    loss : {'squared', 'spherical', 'taylor', 'zloss'}, default='taylor'
    output_update : {'factored', 'naive'}, default='factored'
    activation : {'relu', 'tanh', 'sigmoid'}, default='tanh'
    batch_size, epochs : int
    max_batches : int, default=0 (no limit)
    learning_rate : float, default=0.05 (SGD step on a minibatch's summed loss; 0: no update)
    dtype : {'float32', 'float64'}, default='float32'
    min_count : int, default=5; max_vocabulary : int, default=0 (no limit)
    random_state : int, RandomState or None
    threads : int, default=0 (all cores)

    Attributes
    ----------
    embeddings_ : ndarray (V x dim), row i is vocabulary_[i]
    vocabulary_ : list of str (most frequent first)
    history_ : list of dict (iteration, seconds, loss) per epoch
    loss_ : float (mean loss per predicted word, last epoch)
    start_loss_, end_loss_ : float (mean loss per word over the first / last minibatches)
    status_ : {'finished', 'not_learning', 'interrupted'}
        'not_learning' (with a ConvergenceWarning) when end_loss_ is not 2% below start_loss_.
    seconds_per_batch_ : float
    """

    def __init__(self, context=4, dim=64, hidden=128, loss="taylor", output_update="factored", activation="tanh",
                 batch_size=128, epochs=1, max_batches=0, learning_rate=0.05, dtype="float32", min_count=5,
                 max_vocabulary=0, random_state=None, threads=0):
        self.context = context
        self.dim = dim
        self.hidden = hidden
        self.loss = loss
        self.output_update = output_update
        self.activation = activation
        self.batch_size = batch_size
        self.epochs = epochs
        self.max_batches = max_batches
        self.learning_rate = learning_rate
        self.dtype = dtype
        self.min_count = min_count
        self.max_vocabulary = max_vocabulary
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        """X: an iterable of documents (str)."""
        texts = [X] if isinstance(X, str) else list(X)
        if not all(isinstance(t, str) for t in texts):
            raise ValueError("X must be an iterable of documents (str)")
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}, got {self.loss!r}")
        if self.output_update not in ("factored", "naive"):
            raise ValueError(f"output_update must be 'factored' or 'naive', got {self.output_update!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        if self.activation not in ("relu", "tanh", "sigmoid"):
            raise ValueError(f"activation must be 'relu', 'tanh' or 'sigmoid', got {self.activation!r}")
        r = _core.train_language_model(
            texts, context=_integer("context", self.context, 1), dim=_integer("dim", self.dim, 1),
            hidden=_integer("hidden", self.hidden, 1), loss=self.loss, output_update=self.output_update,
            activation=self.activation, batch_size=_integer("batch_size", self.batch_size, 1),
            epochs=_integer("epochs", self.epochs, 1), max_batches=_integer("max_batches", self.max_batches, 0),
            learning_rate=_real("learning_rate", self.learning_rate, 0.0), dtype=self.dtype,
            min_count=_integer("min_count", self.min_count, 1),
            max_vocabulary=_integer("max_vocabulary", self.max_vocabulary, 0), seed=_seed(self.random_state),
            threads=_threads(self.threads))
        self.embeddings_ = r["embeddings"]
        self.vocabulary_ = list(r["vocabulary"])
        self.word_index_ = {w: i for i, w in enumerate(self.vocabulary_)}
        self.history_ = list(r["history"])
        self.n_iter_ = len(self.history_)
        self.n_batches_ = int(r["batches"])
        self.loss_ = float(r["loss"])
        self.seconds_per_batch_ = float(r["seconds_per_batch"])
        self.start_loss_ = float(r["start_loss"])
        self.end_loss_ = float(r["end_loss"])
        self.status_ = str(r["status"])
        if self.status_ == "not_learning":
            warnings.warn(
                f"NeuralLanguageModel is not learning: mean loss per word {self.start_loss_:.4g} over the first "
                f"minibatches, {self.end_loss_:.4g} over the last (uniform guessing: "
                f"log V = {np.log(len(self.vocabulary_)):.4g}). Try another learning_rate.", ConvergenceWarning,
                stacklevel=2)
        return self

    def similarity(self, a, b):
        """Cosine similarity of the embeddings of words a and b (KeyError if unknown)."""
        check_is_fitted(self, "embeddings_")
        u, v = self.embeddings_[self.word_index_[a]], self.embeddings_[self.word_index_[b]]
        return float(u @ v / max(np.linalg.norm(u) * np.linalg.norm(v), np.finfo(float).tiny))
