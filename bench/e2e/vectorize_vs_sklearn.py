#!/usr/bin/env python3
"""strata vectorize vs scikit-learn TfidfVectorizer on one text file (one document per line).

Usage (from the repository root, Debian's python3 with scikit-learn 1.2):
    python3 bench/data/fetch_corpora.py           # builds bench/data/big.txt
    python3 bench/e2e/vectorize_vs_sklearn.py [--input bench/data/big.txt]
        [--strata build/bin/strata] [--reps 3] [--max-mb N] [--out bench/results/vectorize.md]

For each setting, in the same run and alternating the two (the order flips
every repetition), it times
  sklearn: in a fresh Python subprocess, reading the file into a list of lines
           plus TfidfVectorizer(...).fit_transform(lines); the timer starts after
           the interpreter and scikit-learn are loaded (in sklearn's favour);
           peak RSS is that subprocess's ru_maxrss (RUSAGE_SELF).
  strata:  the wall time of `strata vectorize FILE --format lines -o OUT.strata`
           as a subprocess, process start and writing the output included; peak
           RSS from wait4() on that child.
and reports the median of --reps repetitions, the ratio sklearn/strata, and
checks that the vocabularies are equal and the matrices agree to 1e-12 (max abs
difference), loading strata's output with strata.load_corpus from
PYTHONPATH=build/python (or the strata._core fallback).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# name -> (TfidfVectorizer kwargs, strata vectorize flags)
SETTINGS = {
    "default": ({}, []),
    "english+df": (dict(stop_words="english", min_df=2, max_df=0.5),
                   ["--stop-words", "english", "--min-df", "2", "--max-df", "0.5"]),
    "sublinear_tf": (dict(sublinear_tf=True), ["--sublinear-tf"]),
}
TOLERANCE = 1e-12


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# ---------------------------------------------------------------- sklearn worker

def sklearn_worker(args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    kwargs = SETTINGS[args.setting][0]
    t0, c0 = time.perf_counter(), time.process_time()
    lines = read_lines(args.input)
    vec = TfidfVectorizer(**kwargs)
    X = vec.fit_transform(lines)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.dump:
        import numpy as np
        X = X.tocsr()
        X.sort_indices()
        np.savez(args.dump, indptr=X.indptr, indices=X.indices, data=X.data, shape=np.array(X.shape))
        with open(args.dump + ".vocab.json", "w", encoding="utf-8") as f:
            json.dump(list(vec.get_feature_names_out()), f, ensure_ascii=False)
    json.dump({"seconds": seconds, "cpu": cpu, "rss_kb": rss_kb, "shape": list(X.shape), "nnz": int(X.nnz)}, sys.stdout)


# ---------------------------------------------------------------- runners

def run_sklearn(script, input_path, setting, dump=None):
    cmd = [sys.executable, script, "--worker", "sklearn", "--setting", setting, "--input", input_path]
    if dump:
        cmd += ["--dump", dump]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True)
    return json.loads(out.stdout)


def run_strata(strata, input_path, setting, out_path):
    cmd = [strata, "vectorize", input_path, "--format", "lines", "-o", out_path, "--quiet"] + SETTINGS[setting][1]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    if p.returncode != 0:
        raise SystemExit("strata vectorize failed (exit %s): %s\n%s" % (p.returncode, " ".join(cmd), err))
    return {"seconds": seconds, "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss}


# ---------------------------------------------------------------- equality

def load_strata_corpus(path, pythonpath):
    sys.path.insert(0, pythonpath)
    import scipy.sparse as sp
    try:
        import strata
        if hasattr(strata, "load_corpus"):
            c = strata.load_corpus(path)
            return sp.csr_matrix(c.matrix), list(c.vocabulary)
    except ImportError:
        pass
    from strata import _core
    d = _core.load_corpus(path)
    indptr, indices, data, shape = d["matrix"]
    return sp.csr_matrix((data, indices, indptr), shape=tuple(shape)), list(d["vocabulary"])


def compare(sk_dump, strata_out, pythonpath):
    import numpy as np
    import scipy.sparse as sp
    z = np.load(sk_dump + ".npz")
    A = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    with open(sk_dump + ".vocab.json", encoding="utf-8") as f:
        va = json.load(f)
    B, vb = load_strata_corpus(strata_out, pythonpath)
    res = {"sk_shape": A.shape, "st_shape": B.shape, "sk_nnz": int(A.nnz), "st_nnz": int(B.nnz),
           "vocab_equal": va == vb}
    if A.shape[0] != B.shape[0]:
        res["max_abs_diff"] = float("inf")
        res["note"] = "different number of documents"
        return res
    if va == vb:
        res["max_abs_diff"] = float(abs(A - B).max()) if A.nnz or B.nnz else 0.0
        return res
    sa, sb = set(va), set(vb)
    res["only_sklearn"] = len(sa - sb)
    res["only_strata"] = len(sb - sa)
    res["examples_only_sklearn"] = sorted(sa - sb)[:10]
    res["examples_only_strata"] = sorted(sb - sa)[:10]
    common = sorted(sa & sb)
    ia = {t: i for i, t in enumerate(va)}
    ib = {t: i for i, t in enumerate(vb)}
    Ac = A[:, [ia[t] for t in common]]
    Bc = B[:, [ib[t] for t in common]]
    res["max_abs_diff_common_terms"] = float(abs(Ac - Bc).max()) if common else 0.0
    res["max_abs_diff"] = float("inf")
    return res


def run_compare(script, dump, strata_out, pythonpath):
    cmd = [sys.executable, script, "--worker", "compare", "--dump", dump, "--input", strata_out,
           "--pythonpath", pythonpath]
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout)


# ---------------------------------------------------------------- machine

def machine_description(strata, load_before):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 2**20)
    except OSError:
        pass
    import numpy
    import scipy
    import sklearn
    try:
        sv = subprocess.run([strata, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True).stdout.strip()
    except OSError:
        sv = "unknown"
    return [("CPU", cpu), ("cores (os.cpu_count)", str(os.cpu_count())), ("RAM", mem),
            ("OS", "%s %s" % (platform.system(), platform.release())),
            ("Python", platform.python_version()), ("scikit-learn", sklearn.__version__),
            ("numpy", numpy.__version__), ("scipy", scipy.__version__), ("strata", sv),
            ("load average (1 min) before / after", "%.2f / %.2f" % (load_before, os.getloadavg()[0]))]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="strata vectorize vs scikit-learn TfidfVectorizer")
    ap.add_argument("--input", default=os.path.join(REPO, "bench", "data", "big.txt"))
    ap.add_argument("--strata", default=os.environ.get("STRATA", os.path.join(REPO, "build", "bin", "strata")))
    ap.add_argument("--pythonpath", help="where the strata Python package is (default: the strata binary's "
                    "build folder + /python)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated subset of %s" % list(SETTINGS))
    ap.add_argument("--max-mb", type=float, default=0, help="use only the first N MB of lines (0 = all)")
    ap.add_argument("--out", help="also write the markdown report here")
    ap.add_argument("--no-check", action="store_true", help="skip the equality check")
    # internal
    ap.add_argument("--worker", choices=["sklearn", "compare"], help=argparse.SUPPRESS)
    ap.add_argument("--setting", help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker == "sklearn":
        return sklearn_worker(args)
    if args.worker == "compare":
        json.dump(compare(args.dump, args.input, args.pythonpath), sys.stdout)
        return 0

    if not os.path.exists(args.input):
        sys.exit("%s missing: run python3 bench/data/fetch_corpora.py" % args.input)
    if not os.path.exists(args.strata):
        sys.exit("%s missing: build strata first" % args.strata)
    pythonpath = args.pythonpath or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.strata))),
                                                 "python")
    settings = [s for s in args.settings.split(",") if s]
    for s in settings:
        if s not in SETTINGS:
            sys.exit("unknown setting %r" % s)

    load_before = os.getloadavg()[0]
    ascii_checks, n_ascii, ascii_mb = [], 0, 0.0
    tmp = tempfile.mkdtemp(prefix="strata-bench-", dir=os.path.dirname(os.path.abspath(args.input)))
    try:
        input_path = args.input
        if args.max_mb > 0:
            input_path = os.path.join(tmp, "slice.txt")
            limit = int(args.max_mb * 1e6)
            with open(args.input, "rb") as src, open(input_path, "wb") as dst:
                n = 0
                for line in src:
                    if n >= limit:
                        break
                    dst.write(line)
                    n += len(line)
        mb = os.path.getsize(input_path) / 1e6
        with open(input_path, "rb") as f:
            ndocs = sum(1 for _ in f)
        script = os.path.abspath(__file__)
        rows = []
        for s in settings:
            sk, st = [], []
            out_path = os.path.join(tmp, "out.strata")
            dump = os.path.join(tmp, "sk")
            for r in range(args.reps):
                last = r == args.reps - 1 and not args.no_check
                order = ("sklearn", "strata") if r % 2 == 0 else ("strata", "sklearn")
                for who in order:
                    if who == "sklearn":
                        sk.append(run_sklearn(script, input_path, s, dump if last else None))
                    else:
                        st.append(run_strata(args.strata, input_path, s, out_path))
                print("  %-13s rep %d: sklearn %.3f s, strata %.3f s" % (s, r + 1, sk[-1]["seconds"],
                                                                        st[-1]["seconds"]), file=sys.stderr)
            check = None if args.no_check else run_compare(script, dump, out_path, pythonpath)
            if check is not None:
                print("  %-13s check: %s" % (s, json.dumps(check)), file=sys.stderr)
            rows.append((s, sk, st, check))

        # Diagnostic: the same check on the documents that are pure ASCII, where the
        # tokenizers must agree exactly (untimed).
        if not args.no_check:
            ascii_path = os.path.join(tmp, "ascii.txt")
            n_ascii = 0
            with open(input_path, "rb") as src, open(ascii_path, "wb") as dst:
                for line in src:
                    if line.isascii():
                        dst.write(line)
                        n_ascii += 1
            ascii_mb = os.path.getsize(ascii_path) / 1e6
            if n_ascii < ndocs:
                out_path = os.path.join(tmp, "ascii.strata")
                dump = os.path.join(tmp, "sk-ascii")
                for s in settings:
                    run_sklearn(script, ascii_path, s, dump)
                    run_strata(args.strata, ascii_path, s, out_path)
                    check = run_compare(script, dump, out_path, pythonpath)
                    print("  %-13s ASCII-only check: %s" % (s, json.dumps(check)), file=sys.stderr)
                    ascii_checks.append((s, check))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = lambda xs, k: statistics.median(x[k] for x in xs)
    lines = []
    lines.append("# strata vectorize vs scikit-learn TfidfVectorizer")
    lines.append("")
    lines.append("Input: `%s`, %.1f MB, %d documents (one per line). Median of %d repetitions, "
                 "sklearn and strata alternating in the same run." % (os.path.basename(args.input), mb, ndocs,
                                                                    args.reps))
    lines.append("Seconds are wall-clock; CPU s is user + system time (median), less sensitive to other load.")
    lines.append("sklearn: read the file + `TfidfVectorizer(...).fit_transform(lines)` in a Python process "
                 "(interpreter start and imports not counted). strata: `strata vectorize FILE --format lines "
                 "-o OUT.strata` as a subprocess (process start, reading, writing the output all counted).")
    lines.append("")
    lines.append("| setting | MB | docs x terms (sklearn) | nnz (sklearn) | sklearn s | strata s | sklearn/strata | "
                 "CPU s sklearn / strata (ratio) | sklearn peak RSS MiB | strata peak RSS MiB | vocab equal | "
                 "max abs diff |")
    lines.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for s, sk, st, check in rows:
        tsk, tst = med(sk, "seconds"), med(st, "seconds")
        shape = "%d x %d" % tuple(sk[-1]["shape"])
        if check is None:
            veq, diff = "not checked", "-"
        else:
            veq = "yes" if check["vocab_equal"] else "NO (%d only sklearn, %d only strata)" % (
                check.get("only_sklearn", 0), check.get("only_strata", 0))
            diff = "%.2g" % check["max_abs_diff"] if check["vocab_equal"] else \
                "%.2g on common terms" % check["max_abs_diff_common_terms"]
        csk, cst = med(sk, "cpu"), med(st, "cpu")
        lines.append("| %s | %.1f | %s | %d | %.2f | %.2f | %.2fx | %.2f / %.2f (%.2fx) | %.0f | %.0f | %s | %s |" % (
            s, mb, shape, sk[-1]["nnz"], tsk, tst, tsk / tst, csk, cst, csk / cst, max(x["rss_kb"] for x in sk) / 1024,
            max(x["rss_kb"] for x in st) / 1024, veq, diff))
    lines.append("")
    ok = all(c is None or (c["vocab_equal"] and c["max_abs_diff"] <= TOLERANCE) for _, _, _, c in rows)
    fast = all(med(sk, "seconds") >= 2 * med(st, "seconds") for _, sk, st, _ in rows)
    lines.append("Target: strata at least 2x faster than scikit-learn, equal output (max abs diff <= %g): "
                 "speed %s, equality %s." % (TOLERANCE, "met" if fast else "NOT met",
                                             "met" if ok else "NOT met"))
    for s, _, _, check in rows:
        if check is not None and not check["vocab_equal"]:
            lines.append("")
            lines.append("`%s`: terms only in sklearn (first 10, Python ascii()): `%s`; only in strata: `%s`" % (
                s, ascii(check["examples_only_sklearn"]), ascii(check["examples_only_strata"])))
    if ascii_checks:
        lines.append("")
        lines.append("The same equality check on the %d of %d documents that are pure ASCII (%.1f MB), untimed:"
                     % (n_ascii, ndocs, ascii_mb))
        lines.append("")
        lines.append("| setting | docs x terms (sklearn) | docs x terms (strata) | vocab equal | max abs diff |")
        lines.append("| --- | --- | --- | --- | ---: |")
        for s, c in ascii_checks:
            lines.append("| %s | %d x %d | %d x %d | %s | %s |" % (
                s, c["sk_shape"][0], c["sk_shape"][1], c["st_shape"][0], c["st_shape"][1],
                "yes" if c["vocab_equal"] else "NO", "%.2g" % c["max_abs_diff"] if c["vocab_equal"] else
                "%.2g on common terms" % c.get("max_abs_diff_common_terms", float("nan"))))
        ascii_ok = all(c["vocab_equal"] and c["max_abs_diff"] <= TOLERANCE for _, c in ascii_checks)
        lines.append("")
        if ascii_ok and not ok:
            lines.append("On the pure-ASCII documents the outputs are equal, so every difference on the full input "
                         "comes from how non-ASCII characters are tokenized or lowercased.")
        elif not ascii_ok:
            lines.append("The outputs differ even on the pure-ASCII documents.")
    lines.append("")
    lines.append("Machine:")
    lines.append("")
    lines.append("| | |")
    lines.append("| --- | --- |")
    for k, v in machine_description(args.strata, load_before):
        lines.append("| %s | %s |" % (k, v))
    lines.append("")
    lines.append("Reproduce: `python3 bench/data/fetch_corpora.py && python3 bench/e2e/vectorize_vs_sklearn.py "
                 "--out bench/results/vectorize.md` (corpus contents: bench/README.md).")
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
