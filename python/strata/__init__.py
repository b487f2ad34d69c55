"""strata: interpretable low-dimensional structure from large sparse data.

scikit-learn style estimators over a native C++ engine. Rows are documents
(samples), columns are terms (features).
"""
import os as _os

# OpenMP workers that spin while they wait hold cores that a competing
# process, or their own straggling sibling, needs (a 100-component SVD took
# 9x longer beside one busy process). libgomp reads the policy once, when it
# is first loaded: this takes effect when strata is imported before any other
# OpenMP user (scikit-learn included). A policy the user sets is kept.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["OMP_WAIT_POLICY"] = "passive"

from . import _core  # noqa: E402
from .corpus import Corpus, Vectorizer, load_corpus, save_corpus
from .nmf import NMF, non_negative_factorization
from .decomposition import TruncatedSVD, PCA
from .embeddings import WordEmbedding, GraphEmbedding
from .ssnmf import SSNMF
from .hnmf import HierarchicalNMF
from .rank import NMFk
from .autoencoder import SparseAutoencoder
from .language_model import NeuralLanguageModel

__version__ = _core.__version__

__all__ = [
    "Corpus", "Vectorizer", "load_corpus", "save_corpus",
    "NMF", "non_negative_factorization",
    "TruncatedSVD", "PCA",
    "WordEmbedding", "GraphEmbedding",
    "SSNMF",
    "HierarchicalNMF",
    "NMFk",
    "SparseAutoencoder", "NeuralLanguageModel",
    "__version__",
]
