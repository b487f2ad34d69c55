"""The vectorizer equals scikit-learn's CountVectorizer / TfidfVectorizer."""
import gzip
import subprocess

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

import strata
from conftest import make_ascii_documents

SETTINGS = [
    dict(weighting="tfidf"),
    dict(weighting="tfidf", stop_words="english", min_df=2, max_df=0.5),
    dict(weighting="tfidf", sublinear_tf=True, norm="l1"),
    dict(weighting="tfidf", smooth_idf=False, norm=None),
    dict(weighting="tf"),
    dict(weighting="count"),
    dict(weighting="count", min_df=0.01, max_df=20),
    dict(weighting="binary", stop_words="english"),
]


def sklearn_vectorizer(weighting="tfidf", stop_words=None, min_df=1, max_df=1.0, max_features=None,
                       sublinear_tf=False, norm="default", smooth_idf=True):
    common = dict(stop_words=stop_words, min_df=min_df, max_df=max_df, max_features=max_features)
    if weighting in ("count", "binary"):
        assert norm in ("default", None)
        return CountVectorizer(binary=weighting == "binary", **common)
    return TfidfVectorizer(use_idf=weighting == "tfidf", sublinear_tf=sublinear_tf, smooth_idf=smooth_idf,
                           norm="l2" if norm == "default" else norm, **common)


def assert_same(X_strata, vocab_strata, X_ref, vocab_ref):
    assert list(vocab_strata) == list(vocab_ref)
    assert X_strata.shape == X_ref.shape
    diff = (X_strata - X_ref.astype(np.float64)).tocsr()
    assert (abs(diff).max() if diff.nnz else 0.0) <= 1e-12
    # Same sparsity pattern too (no explicit zeros).
    assert X_strata.nnz == X_ref.nnz


@pytest.mark.parametrize("settings", SETTINGS)
def test_parity_on_messy_ascii(settings):
    docs = make_ascii_documents()
    ref = sklearn_vectorizer(**settings)
    X_ref = ref.fit_transform(docs)
    vec = strata.Vectorizer(**settings)
    X = vec.fit_transform(docs)
    assert_same(X, vec.get_feature_names_out(), X_ref, ref.get_feature_names_out())


@pytest.mark.parametrize("settings", SETTINGS[:4] + SETTINGS[6:7])
def test_parity_on_brown(settings, brown_tsv):
    with gzip.open(brown_tsv, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    docs = [r[2] for r in rows]
    corpus = strata.load_corpus(brown_tsv, format="tsv", id_column=1, label_column=2, text_column=3, **settings)
    ref = sklearn_vectorizer(**settings)
    X_ref = ref.fit_transform(docs)
    assert_same(corpus.matrix, corpus.vocabulary, X_ref, ref.get_feature_names_out())
    assert corpus.labels == [r[1] for r in rows]
    assert corpus.doc_ids == [r[0] for r in rows]


def test_max_features_selects_most_frequent():
    docs = make_ascii_documents(seed=3)
    ref = CountVectorizer(max_features=50)
    X_ref = ref.fit_transform(docs)
    vec = strata.Vectorizer(weighting="count", max_features=50)
    X = vec.fit_transform(docs)
    # scikit-learn breaks ties in total count with an unstable sort; strata
    # alphabetically. Terms strictly above the cutoff count must agree.
    full = CountVectorizer().fit(docs)
    totals = dict(zip(full.get_feature_names_out(), np.asarray(full.transform(docs).sum(axis=0)).ravel()))
    cutoff = min(totals[t] for t in vec.get_feature_names_out())
    above = {t for t, c in totals.items() if c > cutoff}
    assert above <= set(vec.get_feature_names_out())
    assert above <= set(ref.get_feature_names_out())
    assert X.shape == X_ref.shape


def test_cli_vectorize_equals_sklearn(tmp_path, strata_cli):
    docs = make_ascii_documents(seed=5)
    src = tmp_path / "docs.txt"
    src.write_text("\n".join(docs) + "\n", encoding="utf-8")
    out = tmp_path / "docs.strata"
    subprocess.run([strata_cli, "vectorize", str(src), "--stop-words", "english", "--min-df", "2",
                    "--sublinear-tf", "-o", str(out), "--quiet"], check=True, timeout=60)
    corpus = strata.load_corpus(out)
    ref = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True)
    X_ref = ref.fit_transform(docs)
    assert_same(corpus.matrix, corpus.vocabulary, X_ref, ref.get_feature_names_out())
    assert corpus.weighting == "tfidf"


def test_labels_kept_in_document_order():
    docs = ["aa bb", "bb cc", "cc dd", "dd ee"]
    labels = ["x", "", "y", "x"]
    vec = strata.Vectorizer(weighting="count")
    vec.fit_transform(docs, labels)
    assert vec.corpus_.labels == labels


def test_window_cooccurrence_matches_python_count():
    docs = make_ascii_documents(n_docs=50, seed=9)
    W = 3
    vec = strata.Vectorizer(weighting="count", window=W, stop_words="english")
    vec.fit_transform(docs)
    analyzer = CountVectorizer(stop_words="english").build_analyzer()
    expected = {}
    for d in docs:
        toks = analyzer(d)
        for i in range(len(toks)):
            for j in range(i + 1, min(len(toks), i + W + 1)):
                for a, b in ((toks[i], toks[j]), (toks[j], toks[i])):
                    expected[(a, b)] = expected.get((a, b), 0) + 1
    C = vec.cooccurrence_.tocoo()
    vocab = vec.get_feature_names_out()
    got = {(vocab[i], vocab[j]): v for i, j, v in zip(C.row, C.col, C.data)}
    assert got == expected


@pytest.mark.parametrize("settings", [SETTINGS[1], SETTINGS[2], SETTINGS[5]])
def test_transform_of_new_documents_equals_sklearn(settings):
    train = make_ascii_documents(seed=11)
    new = make_ascii_documents(n_docs=40, seed=12) + ["unknownword only", ""]
    ref = sklearn_vectorizer(**settings).fit(train)
    vec = strata.Vectorizer(**settings).fit(train)
    assert_same(vec.transform(new), vec.get_feature_names_out(), ref.transform(new), ref.get_feature_names_out())
