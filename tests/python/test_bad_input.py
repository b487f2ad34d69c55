"""Malformed input through the CLI (SPEC 5): `strata info FILE` must exit 1
quickly with a message naming the file and the problem, never crash or hang,
and `strata vectorize` must leave no partial output. Good input written by
scipy and scikit-learn must read back with the same shape and nonzeros.

Run with Debian's interpreter:
  PYTHONPATH=build/python STRATA_CLI=build/bin/strata /usr/bin/python3 -m pytest tests/python/test_bad_input.py
"""
import gzip
import json
import os
import random
import subprocess
import time

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, load_svmlight_file

MTX = "%%MatrixMarket matrix coordinate real general\n"
LONG = "0.12345678901234567"  # long values keep declared counts plausible for the file size


def run(cli, *args, timeout=5):
    start = time.monotonic()
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - start


# (file name, content, keyword expected in the message, line number or None)
TEXT_CASES = {
    "mtx_bad_banner": ("bad_banner.mtx", "%%MatrixMarkt matrix coordinate real general\n2 2 1\n1 1 1\n", "banner", 1),
    "mtx_no_banner": ("no_banner.mtx", "2 2 1\n1 1 1\n", "banner", 1),
    "mtx_array": ("array.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", "array", 1),
    "mtx_complex": ("complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", "complex", 1),
    "mtx_bad_size_line": ("size.mtx", MTX + "2 x 1\n1 1 1\n", "size line", 2),
    "mtx_row_out_of_range": ("row.mtx", MTX + "2 2 2\n1 1 1\n3 1 1\n", "out of range", 4),
    "mtx_col_out_of_range": ("col.mtx", MTX + "2 2 1\n1 0 1\n", "out of range", 3),
    "mtx_truncated": ("truncated.mtx", MTX + f"3 3 3\n1 1 {LONG}\n2 2 {LONG}\n", "truncated", None),
    "mtx_too_many": ("many.mtx", MTX + "2 2 1\n1 1 1\n2 2 1\n", "more entries", 4),
    "mtx_nan": ("nan.mtx", MTX + "2 2 2\n1 1 1\n2 2 nan\n", "NaN", 4),
    "mtx_inf": ("inf.mtx", MTX + "2 2 1\n1 1 -inf\n", "Inf", 3),
    "mtx_non_numeric": ("word.mtx", MTX + "2 2 1\n1 1 one\n", "not a number", 3),
    "mtx_absurd_nnz": ("absurd.mtx", MTX + "2 2 999999999999999\n1 1 1\n", "absurd", 2),
    "mtx_absurd_dims": ("dims.mtx", MTX + "999999999999999 2 1\n1 1 1\n", "absurd", 2),
    "mtx_empty": ("empty.mtx", "", "empty", None),
    "svm_bad_pair": ("pair.svmlight", "1 1:1 2:2\n0 3-4\n", "malformed pair", 2),
    "svm_nan": ("nan.svmlight", "1 1:1\n0 2:NaN\n", "NaN", 2),
    "svm_negative_index": ("neg.svmlight", "1 -1:1\n", "negative", 1),
    "svm_non_numeric": ("word.svm", "1 1:abc\n", "not a number", 1),
    "svm_empty": ("empty.svm", "# only a comment\n", "no samples", None),
    "uci_bad_header": ("docword.badheader.txt", "3\nfour\n1\n1 1 1\n", "bad header", 2),
    "uci_out_of_range": ("docword.range.txt", "3\n4\n2\n1 1 1\n1 9 1\n", "out of range", 5),
    "uci_bad_count": ("docword.count.txt", "3\n4\n1\n1 1 2.5\n", "not an integer", 4),
    "uci_truncated": ("docword.trunc.txt", "3\n4\n3\n1 1 1\n2 2 2\n" + " " * 20 + "\n", "truncated", None),
    "uci_absurd_nnz": ("docword.absurd.txt", "3\n4\n99999999999\n1 1 1\n", "absurd", 3),
}


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_info_rejects_malformed_text_input(strata_cli, tmp_path, case):
    name, content, keyword, line = TEXT_CASES[case]
    path = tmp_path / name
    path.write_text(content)
    proc, seconds = run(strata_cli, "info", path)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert str(path) in proc.stderr
    assert keyword in proc.stderr, proc.stderr
    if line is not None:
        assert f"{path}:{line}:" in proc.stderr, proc.stderr
    assert proc.stderr.startswith("strata: error:"), proc.stderr
    assert seconds < 2.0


def test_info_rejects_gzipped_absurd_header(strata_cli, tmp_path):
    path = tmp_path / "absurd.mtx.gz"
    path.write_bytes(gzip.compress((MTX + "2 2 999999999999999\n1 1 1\n").encode()))
    proc, seconds = run(strata_cli, "info", path)
    assert proc.returncode == 1 and str(path) in proc.stderr and "absurd" in proc.stderr, proc.stderr
    assert seconds < 2.0


def test_info_rejects_missing_file(strata_cli, tmp_path):
    path = tmp_path / "missing.mtx"
    proc, seconds = run(strata_cli, "info", path)
    assert proc.returncode == 1
    assert str(path) in proc.stderr and "no such file" in proc.stderr, proc.stderr
    assert seconds < 2.0


@pytest.fixture()
def good_corpus_file(strata_cli, tmp_path):
    """A valid corpus file, vectorized from a Matrix Market file."""
    X = sp.random(40, 30, density=0.2, format="coo", random_state=1)
    scipy.io.mmwrite(str(tmp_path / "good.mtx"), X)
    out = tmp_path / "good.strata"
    proc, _ = run(strata_cli, "vectorize", tmp_path / "good.mtx", "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out


def _corrupt(data, how):
    if how == "random_bytes":
        rng = random.Random(3)
        return bytes(rng.randrange(256) for _ in range(len(data)))
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "bit_flip":
        flipped = bytearray(data)
        flipped[len(data) - 100] ^= 0x04  # inside the last payload
        return bytes(flipped)
    if how == "empty":
        return b""
    raise ValueError(how)


@pytest.mark.parametrize("how,keyword", [("random_bytes", "magic"), ("truncated", "truncated"),
                                         ("bit_flip", "checksum"), ("empty", "too short")])
def test_info_rejects_corrupted_corpus_file(strata_cli, good_corpus_file, tmp_path, how, keyword):
    path = tmp_path / f"{how}.strata"
    path.write_bytes(_corrupt(good_corpus_file.read_bytes(), how))
    proc, seconds = run(strata_cli, "info", path)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert str(path) in proc.stderr and keyword in proc.stderr, proc.stderr
    assert seconds < 2.0


def test_good_corpus_file_still_reads(strata_cli, good_corpus_file):
    proc, _ = run(strata_cli, "info", good_corpus_file, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"] == 40


@pytest.mark.parametrize("case", ["mtx_truncated", "mtx_nan", "svm_bad_pair", "uci_out_of_range"])
def test_vectorize_bad_input_leaves_no_output(strata_cli, tmp_path, case):
    name, content, keyword, _ = TEXT_CASES[case]
    src = tmp_path / name
    src.write_text(content)
    out = tmp_path / "out.strata"
    proc, _ = run(strata_cli, "vectorize", src, "-o", out)
    assert proc.returncode == 1, proc.stderr
    assert keyword in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no output, no temporary file


def test_vectorize_bad_input_keeps_an_existing_output(strata_cli, good_corpus_file, tmp_path):
    before = good_corpus_file.read_bytes()
    bad = tmp_path / "bad.mtx"
    bad.write_text(MTX + "2 2 1\n1 1 nan\n")
    proc, _ = run(strata_cli, "vectorize", bad, "-o", good_corpus_file)
    assert proc.returncode == 1
    assert good_corpus_file.read_bytes() == before


# ---- good-input parity with scipy and scikit-learn ----

def _random_matrix(seed, shape=(60, 45)):
    X = sp.random(*shape, density=0.1, format="lil", random_state=seed)
    X[0, 0] = 1.5  # index 0 present: zero-based svmlight is detected as such
    X[shape[0] - 1, shape[1] - 1] = 2.5  # the last column present: its count is inferred
    return X.tocsr()


def _info(cli, path):
    proc, _ = run(cli, "info", path, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _vectorize_and_info(cli, src, tmp_path):
    out = tmp_path / (src.name + ".strata")
    proc, _ = run(cli, "vectorize", src, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out, _info(cli, out)


def _values_match(out, X):
    """strata parsed exactly the doubles the Python reader parsed (both round correctly)."""
    strata = pytest.importorskip("strata")
    Y = strata.load_corpus(str(out)).matrix
    assert Y.shape == X.shape
    assert (Y != X).nnz == 0


@pytest.mark.parametrize("symmetry", ["general", "symmetric"])
def test_matrix_market_parity_with_scipy(strata_cli, tmp_path, symmetry):
    X = _random_matrix(0)
    if symmetry == "symmetric":
        X = _random_matrix(0, (50, 50))
        X = (X + X.T).tocsr()
    src = tmp_path / "X.mtx"
    scipy.io.mmwrite(str(src), X, symmetry=symmetry)
    assert open(src).readline().split()[-1] == symmetry
    out, info = _vectorize_and_info(strata_cli, src, tmp_path)
    assert (info["rows"], info["cols"]) == X.shape
    Xr = scipy.io.mmread(str(src)).tocsr()
    assert info["nnz"] == X.nnz == Xr.nnz
    _values_match(out, Xr)


def test_matrix_market_gzip_parity_with_scipy(strata_cli, tmp_path):
    X = _random_matrix(2)
    plain = tmp_path / "X.mtx"
    scipy.io.mmwrite(str(plain), X)
    src = tmp_path / "X.mtx.gz"
    src.write_bytes(gzip.compress(plain.read_bytes()))
    info = _info(strata_cli, src)
    assert (info["rows"], info["cols"], info["nnz"]) == (*X.shape, X.nnz)


@pytest.mark.parametrize("zero_based", [True, False])
def test_svmlight_parity_with_sklearn(strata_cli, tmp_path, zero_based):
    X = _random_matrix(1)
    y = np.arange(X.shape[0]) % 3
    src = tmp_path / "X.svmlight"
    dump_svmlight_file(X, y, str(src), zero_based=zero_based, comment="written by scikit-learn")
    Xs, ys = load_svmlight_file(str(src))  # zero_based="auto", like strata
    assert Xs.shape == X.shape
    out, info = _vectorize_and_info(strata_cli, src, tmp_path)
    assert (info["rows"], info["cols"]) == X.shape
    assert info["nnz"] == X.nnz == Xs.nnz
    assert info["labels"] == {"0": 20, "1": 20, "2": 20}
    _values_match(out, Xs)


def test_uci_bag_of_words_reads_with_vocabulary(strata_cli, tmp_path):
    X = sp.random(30, 20, density=0.2, format="coo", random_state=4)
    X.data = np.ceil(X.data * 9)
    lines = [str(X.shape[0]), str(X.shape[1]), str(X.nnz)]
    lines += [f"{i + 1} {j + 1} {int(v)}" for i, j, v in zip(X.row, X.col, X.data)]
    (tmp_path / "docword.t.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "vocab.t.txt").write_text("".join(f"w{j}\n" for j in range(X.shape[1])))
    info = _info(strata_cli, tmp_path / "docword.t.txt")
    assert (info["rows"], info["cols"], info["nnz"]) == (30, 20, X.nnz)
    assert info["vocabulary"] is True
    assert info["weighting"] == "count"


def test_huge_thread_counts_are_capped(strata_cli, tmp_path):
    # --threads 65536 used to crash inside the OpenMP runtime, and
    # strata.NMF(threads=70000) killed the interpreter.
    import strata
    X = _random_matrix(2)
    W = strata.NMF(n_components=3, max_iter=20, threads=70000, random_state=0).fit_transform(X)
    W_cores = strata.NMF(n_components=3, max_iter=20, threads=os.cpu_count(), random_state=0).fit_transform(X)
    np.testing.assert_array_equal(W, W_cores)
    src = tmp_path / "X.mtx"
    scipy.io.mmwrite(str(src), X)
    r, _ = run(strata_cli, "nmf", src, "-k", 3, "--max-iter", 20, "--threads", 65536, "-o", tmp_path / "m", timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m" / "W.npy").exists()


# ---- issue 24: parsers that cannot be driven into a crash or a huge allocation ----

@pytest.fixture()
def nmf_model_dir(strata_cli, tmp_path):
    """A small fitted NMF model directory (k = 2)."""
    src = tmp_path / "X.mtx"
    scipy.io.mmwrite(str(src), _random_matrix(4, shape=(20, 12)))
    out = tmp_path / "model"
    proc, _ = run(strata_cli, "nmf", src, "-k", 2, "--max-iter", 5, "-o", out, "-q", timeout=30)
    assert proc.returncode == 0, proc.stderr
    return out


def _npy_v1(header_dict, payload):
    """A format 1.0 .npy file holding the given header dictionary text."""
    header = header_dict.encode("latin1")
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload


def test_model_with_a_long_npy_header_field_loads(strata_cli, nmf_model_dir):
    # A ~30 KB field in H.npy's header (legal: up to 65,535 bytes) made every
    # command that loads the model die of SIGSEGV (std::regex recursion).
    H = np.load(nmf_model_dir / "H.npy")
    blanks = " " * 30000
    (nmf_model_dir / "H.npy").write_bytes(_npy_v1(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,%s%d), }" % (H.shape[0], blanks, H.shape[1]),
        H.tobytes()))
    # NumPy agrees it is valid (it refuses headers over 10,000 bytes unless the file is trusted).
    np.testing.assert_array_equal(np.load(nmf_model_dir / "H.npy", allow_pickle=True), H)
    proc, _ = run(strata_cli, "topics", nmf_model_dir)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    (nmf_model_dir / "H.npy").write_bytes(_npy_v1(
        "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % ("x" * 30000, *H.shape), H.tobytes()))
    proc, _ = run(strata_cli, "topics", nmf_model_dir)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert str(nmf_model_dir / "H.npy") in proc.stderr and "unsupported npy dtype" in proc.stderr, proc.stderr
    assert len(proc.stderr) < 1000


def _wide_corpus_file(good):
    """good.strata with its column count set to 2^30 and the header CRC fixed."""
    import struct
    import zlib
    data = bytearray(good.read_bytes())
    data[24:32] = struct.pack("<Q", 1 << 30)
    n_sections = struct.unpack_from("<I", data, 12)[0]
    data[48:52] = b"\0\0\0\0"
    data[48:52] = struct.pack("<I", zlib.crc32(bytes(data[:64 + 32 * n_sections])))
    return bytes(data)


# Tiny files that declare huge dimensions: strata info allocated 1 GB (70-byte
# .mtx), 517 MB (14-byte svmlight), 3 GB (448-byte corpus file).
@pytest.mark.parametrize("name,content", [
    ("wide.mtx", MTX + "3 64000000 3\n1 1 1\n2 2 1\n3 3 1\n"),
    ("tall.mtx", MTX + "64000000 3 3\n1 1 1\n2 2 1\n3 3 1\n"),
    ("wide.svm", "1 64000000:1\n"),
    ("docword.wide.txt", "3\n64000000\n3\n1 1 1\n2 2 1\n3 3 1\n"),
    ("wide.strata", None),
])
def test_tiny_files_declaring_huge_dimensions_are_refused(strata_cli, good_corpus_file, tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        path.write_bytes(_wide_corpus_file(good_corpus_file))
    else:
        path.write_text(content)
    proc, seconds = run(strata_cli, "info", path)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert str(path) in proc.stderr and "implausible" in proc.stderr, proc.stderr
    assert seconds < 2.0


def test_nmf_on_three_nonzeros_declared_64m_columns_wide_is_refused(strata_cli, tmp_path):
    # Took 2.6 GB and 42 s before.
    path = tmp_path / "wide.mtx"
    path.write_text(MTX + "3 64000000 3\n1 1 1\n2 2 1\n3 3 1\n")
    proc, seconds = run(strata_cli, "nmf", path, "-k", 2, "-o", tmp_path / "m", timeout=10)
    assert proc.returncode == 1, proc.stderr
    assert "absurd dimensions" in proc.stderr and f"{path}:2:" in proc.stderr, proc.stderr
    assert seconds < 2.0


def test_fifos_and_devices_are_refused_not_read(strata_cli, tmp_path):
    # strata info on a FIFO blocked forever, on /dev/zero it never ended.
    fifos = [tmp_path / "pipe.mtx", tmp_path / "pipe"]
    for fifo in fifos:
        os.mkfifo(fifo)
    for path, keyword in [(fifos[0], "is a FIFO"), (fifos[1], "is a FIFO"), ("/dev/zero", "is a character device")]:
        proc, seconds = run(strata_cli, "info", path)
        assert proc.returncode == 1, proc.stderr
        assert f"{path}: {keyword}" in proc.stderr and "regular files only" in proc.stderr, proc.stderr
        assert seconds < 2.0


def test_labels_path_that_is_a_directory_is_named_as_such(strata_cli, nmf_model_dir, tmp_path):
    # It "has 0 lines".
    labels = tmp_path / "labels"
    labels.mkdir()
    src = tmp_path / "X.mtx"
    proc, _ = run(strata_cli, "ssnmf", src, "-k", 2, "--labels", labels, "-o", tmp_path / "s", timeout=30)
    assert proc.returncode == 1 and f"{labels}: is a directory, expected a labels file" in proc.stderr, proc.stderr


def test_empty_input_and_matrix_named_directory_are_named_as_such(strata_cli, tmp_path):
    # Both reported "max_df corresponds to < documents than min_df".
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    proc, _ = run(strata_cli, "info", empty)
    assert proc.returncode == 1 and f"{empty}: no documents" in proc.stderr, proc.stderr
    folder = tmp_path / "x.mtx"
    folder.mkdir()
    proc, _ = run(strata_cli, "info", folder)
    assert proc.returncode == 1 and f"{folder}: is a directory, expected a Matrix Market file" in proc.stderr, proc.stderr


def test_model_json_type_errors_name_the_file_and_the_field(strata_cli, nmf_model_dir):
    # nlohmann's bare type error, without the file ("kind") or the field ("k").
    model_json = nmf_model_dir / "model.json"
    good = json.loads(model_json.read_text())
    for field, value, message in [("k", "2", "field 'k' must be an integer"),
                                  ("kind", 7, "field 'kind' must be a string")]:
        j = json.loads(json.dumps(good))
        if field == "kind":
            j["kind"] = value
        else:
            j["parameters"][field] = value
        model_json.write_text(json.dumps(j))
        proc, _ = run(strata_cli, "topics", nmf_model_dir)
        assert proc.returncode == 1, proc.stderr
        assert f"{model_json}: {message}" in proc.stderr, proc.stderr


@pytest.mark.parametrize("k", [2**32 + 2, 1e300, -1])
def test_model_json_integers_are_range_checked(strata_cli, nmf_model_dir, k):
    # k = 2^32 + 2 was silently cut to 2 (and loaded); 1e300 was converted to int (UB).
    model_json = nmf_model_dir / "model.json"
    j = json.loads(model_json.read_text())
    j["parameters"]["k"] = k
    model_json.write_text(json.dumps(j))
    proc, _ = run(strata_cli, "topics", nmf_model_dir)
    assert proc.returncode == 1, proc.stdout
    assert f"{model_json}: field 'k' must be an integer in [1, 2147483647]" in proc.stderr, proc.stderr
