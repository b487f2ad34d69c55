"""strata: interpretable low-dimensional structure from large sparse data.

scikit-learn style estimators over a native C++ engine. Rows are documents
(samples), columns are terms (features).
"""
from . import _core
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
