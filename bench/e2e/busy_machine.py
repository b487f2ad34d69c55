#!/usr/bin/env python3
"""strata against scikit-learn on a quiet machine and with one competing
process, as on a shared laptop: a 100-component truncated SVD and a
20-component NMF of a corpus of ~3,000 documents, each run on its own, then
while a busy-looping process holds one core.

OpenMP workers that wait actively spin at every barrier; with a competitor
on the machine a spinning worker holds the core its straggling sibling
needs. strata's CLI defaults to OMP_WAIT_POLICY=passive (a policy the user
sets is kept); the rows 'spinning' emulate libgomp's own default
(GOMP_SPINCOUNT=300000, what OMP_WAIT_POLICY unset gives) to show what that
default costs. Every time is the median of --repeats runs of the command,
process start included.

    /usr/bin/python3 bench/e2e/busy_machine.py --corpus bench/data/real/docstrings.tsv --out bench/results/busy_machine.md
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SKLEARN_SVD = """
import sys, strata
from sklearn.decomposition import TruncatedSVD
X = strata.load_corpus(sys.argv[1]).matrix
TruncatedSVD(100, algorithm=sys.argv[2], random_state=0).fit(X)
"""
SKLEARN_NMF = """
import sys, strata
from sklearn.decomposition import NMF
X = strata.load_corpus(sys.argv[1]).matrix
NMF(20, init='nndsvda', max_iter=200, tol=1e-4, random_state=0).fit(X)
"""
# scikit-learn imported first: libgomp is loaded (and reads its policy) before strata sets one.
STRATA_PY_SVD = """
import sys, sklearn.base, strata
X = strata.load_corpus(sys.argv[1]).matrix
strata.TruncatedSVD(100, random_state=0).fit(X)
"""


def timed(command, env, repeats):
    seconds = []
    for _ in range(repeats):
        if "-o" in command:  # a fresh model directory for every run
            shutil.rmtree(command[command.index("-o") + 1], ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="a TSV of documents (text in column 3), or a .strata file")
    parser.add_argument("--build", default="build")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    cli = os.path.join(ROOT, args.build, "bin", "strata")
    python = "/usr/bin/python3"
    tmp = tempfile.mkdtemp(prefix="strata-busy-")
    corpus = args.corpus
    if not corpus.endswith(".strata"):
        corpus = os.path.join(tmp, "corpus.strata")
        subprocess.run([cli, "vectorize", args.corpus, "--format", "tsv", "--text-column", "3", "--stop-words",
                        "english", "--min-df", "2", "-o", corpus, "-q"], check=True)
    info = next(line.split("shape", 1)[1] for line in
                subprocess.run([cli, "info", corpus], check=True, capture_output=True, text=True).stdout.splitlines()
                if line.strip().startswith("shape"))
    base = dict(os.environ, PYTHONPATH=os.path.join(ROOT, args.build, "python"))
    base.pop("OMP_WAIT_POLICY", None)
    spinning = dict(base, GOMP_SPINCOUNT="300000")
    out = lambda name: os.path.join(tmp, name)  # noqa: E731
    cases = [
        ("svd k=100", "strata CLI (default: passive)", [cli, "svd", corpus, "-k", "100", "-o", out("s1"), "-q"], base),
        ("svd k=100", "strata CLI, spinning", [cli, "svd", corpus, "-k", "100", "-o", out("s2"), "-q"],
         spinning),
        ("svd k=100", "strata CLI, --threads 1", [cli, "svd", corpus, "-k", "100", "-o", out("s3"), "-q",
                                                 "--threads", "1"], base),
        ("svd k=100", "strata Python (scikit-learn imported first)", [python, "-c", STRATA_PY_SVD, corpus], base),
        ("svd k=100", "scikit-learn TruncatedSVD (randomized)", [python, "-c", SKLEARN_SVD, corpus, "randomized"],
         base),
        ("svd k=100", "scikit-learn TruncatedSVD (arpack)", [python, "-c", SKLEARN_SVD, corpus, "arpack"], base),
        ("nmf k=20", "strata CLI (default: passive)", [cli, "nmf", corpus, "-k", "20", "-o", out("n1"), "-q"], base),
        ("nmf k=20", "strata CLI, spinning", [cli, "nmf", corpus, "-k", "20", "-o", out("n2"), "-q"],
         spinning),
        ("nmf k=20", "scikit-learn NMF (cd)", [python, "-c", SKLEARN_NMF, corpus], base),
    ]
    rows = []
    for load in ("quiet", "one competing process"):
        competitor = None
        if load != "quiet":
            competitor = subprocess.Popen([python, "-c", "while True: pass"])
            time.sleep(1.0)
        try:
            for task, who, command, env in cases:
                seconds = timed(command, env, args.repeats)
                rows.append((task, who, load, seconds))
                print(f"{task:10s} {who:45s} {load:22s} {seconds:7.3f} s", flush=True)
        finally:
            if competitor:
                competitor.kill()
                competitor.wait()
    by = {(t, w, l): s for t, w, l, s in rows}
    lines = ["# strata and scikit-learn on a quiet and on a busy machine", "",
             "    /usr/bin/python3 bench/e2e/busy_machine.py --corpus %s --out %s" % (args.corpus, args.out), "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}. Corpus: "
             f"{info.strip()} (tf-idf). Times are medians of {args.repeats} runs of each command, process start "
             "and corpus loading included; 'busy' runs beside one `python3 -c 'while True: pass'`. 'spinning' is "
             "libgomp's default wait (GOMP_SPINCOUNT=300000, OMP_WAIT_POLICY unset).", "",
             "| task | run | quiet (s) | busy (s) | busy / quiet |", "|---|---|---|---|---|"]
    for task, who, command, env in cases:
        q, b = by[(task, who, "quiet")], by[(task, who, "one competing process")]
        lines.append(f"| {task} | {who} | {q:.3f} | {b:.3f} | {b / q:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
