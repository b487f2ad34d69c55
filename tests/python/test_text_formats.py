"""Text inputs: one document per line, TSV, a directory tree, the Brown layout, gzip."""
import gzip
import subprocess

import pytest
from sklearn.feature_extraction.text import CountVectorizer

import strata


def same_as_sklearn(corpus, docs):
    ref = CountVectorizer()
    X = ref.fit_transform(docs)
    assert corpus.vocabulary == list(ref.get_feature_names_out())
    assert (corpus.matrix != X).nnz == 0


def test_directory_tree_labels_are_subfolders(tmp_path):
    files = {"sports/a.txt": "Goal scored in the final minute",
             "sports/b.txt": "The team won the cup",
             "politics/c.txt": "The senate passed the bill",
             "top.txt": "A document without a label folder",
             ".hidden/skip.txt": "never read"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    corpus = strata.load_corpus(tmp_path, weighting="count")  # a directory without cats.txt: dir format
    order = sorted(n for n in files if not n.startswith("."))
    assert corpus.doc_ids == order
    assert corpus.labels == [n.split("/")[0] if "/" in n else "" for n in order]
    same_as_sklearn(corpus, [files[n] for n in order])


def test_brown_layout_strips_tags(tmp_path):
    (tmp_path / "cats.txt").write_text("ca01 news\ncb02 editorial\n")
    (tmp_path / "ca01").write_text("\n\n\tThe/at Fulton/np-tl County/nn-tl said/vbd ./.\n\n\tIt's/pps+bez over/rp ./.\n")
    (tmp_path / "cb02").write_text("\tA/at 3/4/cd majority/nn voted/vbd ./.\n")
    corpus = strata.load_corpus(tmp_path, weighting="count")
    assert corpus.labels == ["news", "editorial"]
    assert corpus.doc_ids == ["ca01", "cb02"]
    same_as_sklearn(corpus, ["The Fulton County said . It's over .", "A 3/4 majority voted ."])


def test_brown_missing_file_is_a_clear_error(tmp_path, strata_cli):
    (tmp_path / "cats.txt").write_text("ca01 news\nca02 news\n")
    (tmp_path / "ca01").write_text("The/at cat/nn\n")
    r = subprocess.run([strata_cli, "info", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "ca02" in r.stderr and "no such file" in r.stderr


def test_tsv_columns_header_and_gzip(tmp_path):
    rows = [("id", "label", "text"), ("d1", "x", "alpha beta"), ("d2", "y", "beta gamma gamma")]
    path = tmp_path / "docs.tsv.gz"
    with gzip.open(path, "wt") as f:
        f.write("\n".join("\t".join(r) for r in rows) + "\n")
    corpus = strata.load_corpus(path, header=True, id_column=1, label_column=2, text_column=3, weighting="count")
    assert corpus.doc_ids == ["d1", "d2"] and corpus.labels == ["x", "y"]
    same_as_sklearn(corpus, ["alpha beta", "beta gamma gamma"])


def test_tsv_missing_column_names_the_line(tmp_path, strata_cli):
    path = tmp_path / "bad.tsv"
    path.write_text("a\tgood text here\nonly-one-column\n")
    r = subprocess.run([strata_cli, "info", str(path), "--text-column", "2"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert f"{path}:2:" in r.stderr and "column" in r.stderr


def test_lines_keep_empty_documents(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("first doc\n\nthird doc\r\n")
    corpus = strata.load_corpus(path, weighting="count")
    assert corpus.matrix.shape[0] == 3
    assert corpus.matrix[1].nnz == 0
    same_as_sklearn(corpus, ["first doc", "", "third doc"])


def test_stop_words_from_a_file(tmp_path):
    words = tmp_path / "stop.txt"
    words.write_text("# my list\nalpha\n\n  gamma  \n")
    vec = strata.Vectorizer(weighting="count", stop_words=str(words))
    vec.fit_transform(["alpha beta gamma", "beta delta"])
    assert list(vec.get_feature_names_out()) == ["beta", "delta"]
