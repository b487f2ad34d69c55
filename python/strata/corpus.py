"""The corpus layer: vectorizing text, reading and writing corpus and matrix files."""
import json
import numbers

from . import _core
from ._arrays import csr_from_core, csr_to_core


def _df_text(value, name):
    # The core reads "5" as a document count and "0.5" / "1.0" as a fraction,
    # matching scikit-learn's int-vs-float convention.
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise ValueError(f"{name} must be an int (documents) or a float in [0, 1], got {value!r}")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


class Corpus:
    """A document-term matrix with its names.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, documents x terms
    vocabulary : list of str, the column names (empty if the source has none)
    labels : list of str or None, one per document ("" = unlabeled)
    doc_ids : list of str or None
    cooccurrence : scipy.sparse.csr_matrix or None, terms x terms window counts
    window : int, the co-occurrence half-width (0 when absent)
    weighting : str, "count", "binary", "tf", "tfidf" or "unknown"
    provenance : dict, how the corpus was made
    idf : numpy array or None, per-term inverse document frequency (tf-idf corpora)
    """

    def __init__(self, matrix, vocabulary=(), labels=None, doc_ids=None, cooccurrence=None, window=0,
                 weighting="unknown", provenance=None, idf=None):
        self.matrix = matrix
        self.vocabulary = list(vocabulary)
        self.labels = labels
        self.doc_ids = doc_ids
        self.cooccurrence = cooccurrence
        self.window = window
        self.weighting = weighting
        self.provenance = provenance or {}
        self.idf = idf

    @classmethod
    def _from_core(cls, d):
        return cls(
            matrix=csr_from_core(d["matrix"]),
            vocabulary=d["vocabulary"],
            labels=d["labels"],
            doc_ids=d["doc_ids"],
            cooccurrence=None if d["cooccurrence"] is None else csr_from_core(d["cooccurrence"]),
            window=d["window"],
            weighting=d["weighting"],
            provenance=json.loads(d["provenance"] or "{}"),
            idf=d["idf"],
        )

    @property
    def shape(self):
        return self.matrix.shape

    def __repr__(self):
        n, m = self.matrix.shape
        return (f"Corpus({n} documents x {m} terms, {self.matrix.nnz} nonzeros, weighting={self.weighting!r}, "
                f"labels={'yes' if self.labels else 'no'})")


def _vectorizer_kwargs(stop_words, min_df, max_df, max_features, weighting, sublinear_tf, norm, smooth_idf, window):
    if stop_words is None:
        stop_words = "none"
    if not isinstance(stop_words, str):
        raise ValueError("stop_words must be 'english', None, or the path of a file with one word per line")
    return dict(
        stop_words=stop_words,
        min_df=_df_text(min_df, "min_df"),
        max_df=_df_text(max_df, "max_df"),
        max_features=0 if max_features is None else int(max_features),
        weighting=weighting,
        sublinear_tf=bool(sublinear_tf),
        norm="default" if norm == "default" else ("none" if norm is None else norm),
        smooth_idf=bool(smooth_idf),
        window=int(window),
    )


def load_corpus(path, format="auto", text_column=0, label_column=0, id_column=0, header=False,
                stop_words=None, min_df=1, max_df=1.0, max_features=None, weighting="tfidf",
                sublinear_tf=False, norm="default", smooth_idf=True, window=0):
    """Load a corpus file, a matrix file (Matrix Market, svmlight, UCI) or raw text.

    Raw text (one document per line, TSV, a directory, the Brown layout) is
    vectorized with the given options, exactly as `strata vectorize` does.
    Raises ValueError (strata._core.InputError) naming the file on bad input.
    """
    d = _core.load_corpus(str(path), format=format, text_column=text_column, label_column=label_column,
                          id_column=id_column, header=header,
                          **_vectorizer_kwargs(stop_words, min_df, max_df, max_features, weighting, sublinear_tf,
                                               norm, smooth_idf, window))
    return Corpus._from_core(d)


def save_corpus(path, X, vocabulary=(), labels=None, doc_ids=None, weighting="unknown"):
    """Write a matrix (scipy sparse or dense) and its names to a strata corpus file, atomically."""
    indptr, indices, data, rows, cols = csr_to_core(X)
    _core.write_corpus(str(path), indptr, indices, data, rows, cols, vocabulary=list(vocabulary),
                       labels=list(labels or []), doc_ids=list(doc_ids or []), weighting=weighting)


class Vectorizer:
    """Text -> document-term matrix, equal to scikit-learn's TfidfVectorizer /
    CountVectorizer with the same settings (token pattern ``(?u)\\b\\w\\w+\\b``,
    lowercase), computed natively.

    Parameters
    ----------
    weighting : {"tfidf", "tf", "count", "binary"}
        "tfidf" = TfidfVectorizer, "tf" = TfidfVectorizer(use_idf=False),
        "count" = CountVectorizer, "binary" = CountVectorizer(binary=True).
    stop_words : "english", None, or a path to a file with one word per line.
    min_df, max_df : int (documents) or float (fraction), as scikit-learn.
    max_features : int or None; ties in total frequency are broken alphabetically.
    sublinear_tf, smooth_idf : as scikit-learn.
    norm : "l2", "l1", None, or "default" (l2 for tf/tfidf, none for count/binary).
    window : int; if > 0 also count word-context co-occurrences within +-window
        tokens (``cooccurrence_``, terms x terms).
    """

    def __init__(self, weighting="tfidf", stop_words=None, min_df=1, max_df=1.0, max_features=None,
                 sublinear_tf=False, norm="default", smooth_idf=True, window=0):
        self.weighting = weighting
        self.stop_words = stop_words
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.smooth_idf = smooth_idf
        self.window = window

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in ("weighting", "stop_words", "min_df", "max_df", "max_features",
                                              "sublinear_tf", "norm", "smooth_idf", "window")}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"invalid parameter {k!r} for Vectorizer")
            setattr(self, k, v)
        return self

    def fit_transform(self, raw_documents, y=None):
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        docs = list(raw_documents)
        labels = [] if y is None else ["" if v is None else str(v) for v in y]
        d = _core.vectorize(docs, labels=labels,
                            **_vectorizer_kwargs(self.stop_words, self.min_df, self.max_df, self.max_features,
                                                 self.weighting, self.sublinear_tf, self.norm, self.smooth_idf,
                                                 self.window))
        corpus = Corpus._from_core(d)
        self.vocabulary_ = {t: i for i, t in enumerate(corpus.vocabulary)}
        self.cooccurrence_ = corpus.cooccurrence
        self.corpus_ = corpus
        return corpus.matrix

    def fit(self, raw_documents, y=None):
        self.fit_transform(raw_documents, y)
        return self

    def transform(self, raw_documents):
        """Vectorize new documents with the fitted vocabulary (and idf); unknown words are ignored."""
        if not hasattr(self, "corpus_"):
            raise ValueError("This Vectorizer instance is not fitted yet; call fit or fit_transform first.")
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        c = self.corpus_
        idf = [] if c.idf is None else list(c.idf)
        norm = "default" if self.norm == "default" else ("none" if self.norm is None else self.norm)
        d = _core.transform_documents(list(raw_documents), c.vocabulary, idf, c.weighting,
                                      sublinear_tf=bool(self.sublinear_tf), norm=norm)
        return csr_from_core(d["matrix"])

    def get_feature_names_out(self, input_features=None):
        import numpy as np
        return np.asarray(self.corpus_.vocabulary, dtype=object)
