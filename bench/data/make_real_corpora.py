#!/usr/bin/env python3
"""Build labelled corpora of real text from what a Debian 12 machine has locally.

For benchmarks of rank selection (how many topics does a corpus hold?) and of
semi-supervised classification we need real text that no one on this project
wrote, with labels that name groups of similar documents. This script finds
such text on the machine itself; it downloads nothing. Everything it writes
goes to bench/data/real/ (git-ignored, like the rest of bench/data/).

Usage (Debian's /usr/bin/python3; standard library plus numpy, scipy and
scikit-learn for mixtures):

    python3 bench/data/make_real_corpora.py --list [--source POOL] [--min-group-size M]
    python3 bench/data/make_real_corpora.py --all
    python3 bench/data/make_real_corpora.py --source docstrings --groups 10 \\
        --per-group 100 --seed 1 [--min-group-size 60] [--check] \\
        [-o bench/data/real/docstrings-10-1.tsv]

Output format: one document per line, `id <TAB> label <TAB> text`, UTF-8,
where tabs, CR/LF, the other line breaks (fetch_corpora.one_line) and the
other control characters of the text are replaced by spaces, and runs of
white space by one space.

Pools (label = the document's group):

  docstrings          Docstrings of the Python standard library
                      (/usr/lib/python3.*; the newest found), read with `ast`,
                      never imported: one document per module, class or function
                      docstring of at least 20 words, cut to its first 400 words.
                      Test packages (test/, tests/, idle_test/), site-packages and
                      dist-packages are skipped. Label: the top-level module or
                      package (`email`, `asyncio`, `tkinter`, `argparse`, ...).
  manpages            The English man pages /usr/share/man/man*/ (roff, gzipped),
                      converted to plain text in Python by dropping requests and
                      escapes; symbolic links and `.so` alias pages are skipped.
                      Section headings, the SYNOPSIS (option lists and C
                      prototypes) and the boilerplate sections AUTHOR(S),
                      COPYRIGHT, LICENSE, REPORTING BUGS, COLOPHON (the
                      man-pages project's trailer), AVAILABILITY are dropped.
                      One document per page of at least 50 words, cut to its
                      first 400 words.
                      Label: the Debian package that installed the page (from
                      /var/lib/dpkg/info/*.list; pages no package owns are
                      skipped).
  manpages-section    The same documents, labelled by man section (man1 ... man8).
  debian-descriptions The descriptions of the packages apt knows of: `apt-cache
                      dumpavail` gives each package's Section and Description-md5;
                      the long text comes from the Translation-en files in
                      /var/lib/apt/lists/ (matched by md5), or from the record
                      itself. Without those files (Docker images set
                      Acquire::Languages "none"), only installed packages have a
                      long text (/var/lib/dpkg/status); `apt-get update -o
                      Acquire::Languages=en` fetches them. If dumpavail fails,
                      /var/lib/dpkg/available and then status are read instead.
                      One document per package (summary + long text, at least
                      15 words). Paragraphs that recur verbatim in 20 or more
                      packages (shared boilerplate such as "This package contains
                      the debugging symbols" or a library's common introduction)
                      are dropped before counting words. Label: the Section field
                      without a `contrib/` or `non-free/` (or `non-free-firmware/`)
                      prefix.
  docs                /usr/share/doc/<package>/ files named README*, NEWS*, *.txt,
                      *.md (also .gz), never changelog*, copyright, or names with
                      license/licence/copying; the package directories that are
                      symbolic links are skipped. Each file is split at blank lines
                      into paragraphs; paragraphs that look like a license text are
                      dropped; consecutive paragraphs are joined until they reach
                      50 words and cut into pieces of at most 400 words (a last
                      piece under 50 words is dropped). Label: the package's
                      family: the package name up to its first `-`, less trailing
                      version digits and dots, less a leading `lib` when more than
                      two characters remain (python3-pip -> python, libxslt1.1 and
                      libxslt1-dev -> xslt, gcc-12-base -> gcc, x11proto-dev ->
                      x11proto). Skipped when fewer than 5 families remain.
  brown               data/brown.tsv.gz (the repository's Brown corpus, tags
                      already stripped by data/make_brown.py); label = genre.
  spam                bench/data/spam.tsv, if bench/data/fetch_corpora.py has
                      been run (otherwise skipped with a message); label = the
                      SpamAssassin group (easy-ham-1, ..., spam-2).

In every pool, documents whose text is identical (after case folding and
white-space collapsing) are kept once when they share a label, and all
dropped when their labels differ. Pools are built in a fixed (sorted) order.

Mixtures (--source POOL --groups C --per-group N --seed S): the groups with at
least --min-group-size documents (default 60) are candidates. From every
candidate group, min(N, size) documents are drawn at random (a generator seeded
by the seed and the group's name, so a group's sample does not depend on which
other groups are candidates). A TF-IDF model (scikit-learn TfidfVectorizer,
stop_words='english', sublinear tf, min_df=2) is fit on the candidates'
samples; each group's centroid is the normalized mean of its documents'
normalized rows. C groups are then chosen greedily for separation: the first
is drawn at random by the seed (--start random, the default) or is the
largest group (--start largest); then, repeatedly, the candidate whose largest
cosine to the centroids already chosen is smallest is added, ties broken by the
larger group, then by a random order drawn from the seed. The chosen groups'
samples are written, shuffled by the seed. The max and mean pairwise cosine of
the chosen groups' centroids are recomputed with a TF-IDF model fit on the
mixture itself, printed, and written with the rest of the selection to the
sidecar `<output>.json`. --check adds the 5-fold stratified accuracy of a
scikit-learn LinearSVC on TF-IDF features (fit within each fold) to both.

Not every pool has many large groups: on a Debian 12 image with few packages
installed, docstrings and manpages (package labels) have about 10 groups of 60
or more documents, manpages-section 6, brown 2; --list shows the sizes, and
--min-group-size trades group size for more groups.

--all writes every available pool whole as bench/data/real/<pool>.tsv; --list
prints every pool's (or --source's) groups and sizes.
"""

import argparse
import ast
import glob
import gzip
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(HERE, "real")
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ next to the fetcher
from fetch_corpora import one_line, write_atomic  # noqa: E402

POOLS = ["docstrings", "manpages", "manpages-section", "debian-descriptions", "docs",
         "brown", "spam"]
MAX_WORDS = 400
_SPACES = re.compile(r"\s+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class Unavailable(Exception):
    """A pool's source is missing on this machine."""


def clean(text):
    return _SPACES.sub(" ", _CONTROLS.sub(" ", one_line(text))).strip()


def cut_words(text, n):
    words = text.split()
    return " ".join(words[:n])


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def dedupe(docs):
    """Identical texts (case-folded): one copy kept if all share a label, none otherwise."""
    by_key = {}
    for i, (_, label, text) in enumerate(docs):
        by_key.setdefault(text.lower(), []).append(i)
    keep = set()
    same = conflict = 0
    for idx in by_key.values():
        labels = {docs[i][1] for i in idx}
        if len(labels) == 1:
            keep.add(idx[0])
            same += len(idx) - 1
        else:
            conflict += len(idx)
    return [d for i, d in enumerate(docs) if i in keep], same, conflict


# ----------------------------------------------------------------- docstrings

_SKIP_DIRS = {"test", "tests", "idle_test", "__pycache__", "site-packages", "dist-packages"}


def stdlib_dir():
    dirs = sorted(glob.glob("/usr/lib/python3.*"),
                  key=lambda p: [int(x) for x in re.findall(r"\d+", os.path.basename(p))])
    dirs = [d for d in dirs if os.path.exists(os.path.join(d, "os.py"))]
    if not dirs:
        raise Unavailable("no Python standard library under /usr/lib/python3.*")
    return dirs[-1]


def pool_docstrings():
    root = stdlib_dir()
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames
                             if d not in _SKIP_DIRS and not d.startswith("config-")
                             and not (rel == "." and d == "test"))
        files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    docs, failed = [], 0
    for path in files:
        rel = os.path.relpath(path, root)
        parts = rel[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        module = ".".join(parts)
        group = parts[0]
        try:
            with open(path, "rb") as f:
                src = f.read()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(src, filename=path)
        except (SyntaxError, ValueError):
            failed += 1
            continue

        def visit(node, qual):
            ds = ast.get_docstring(node, clean=True)
            if ds:
                text = clean(ds)
                if len(text.split()) >= 20:
                    docs.append(("%s:%s" % (module, qual) if qual else module, group,
                                 cut_words(text, MAX_WORDS)))
            walk(node, qual)

        def walk(node, qual):
            # definitions anywhere in the body, also under if/try/with blocks
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(child, "%s.%s" % (qual, child.name) if qual else child.name)
                elif isinstance(child, (ast.stmt, ast.excepthandler)):
                    walk(child, qual)

        visit(tree, "")
    notes = {"root": root, "files": len(files), "unparsable": failed}
    return docs, notes


# ------------------------------------------------------------------- man pages

_ROFF_CHARS = {
    "em": "\u2014", "en": "\u2013", "hy": "-", "mi": "-", "aq": "'", "dq": '"', "lq": '"',
    "rq": '"', "oq": "'", "cq": "'", "bu": " ", "co": "\u00a9", "rg": "\u00ae", "tm": "\u2122",
    "ga": "`", "aa": "'", "ti": "~", "ha": "^", "rs": "\\", "sl": "/", "lB": "[", "rB": "]",
    "lC": "{", "rC": "}", "la": "<", "ra": ">", "<=": "<=", ">=": ">=", "!=": "!=", "->": "->",
    "<-": "<-", "mu": "x", "pl": "+", "eq": "=", "fm": "'", "sd": '"', "de": "\u00b0",
    "ba": "|", "or": "|", "ul": "_", "ru": "_", "at": "@", "sh": "#", "Do": "$", "ss": "\u00df",
}
_ROFF_STRINGS = {'L"': '"', 'R"': '"', "C+": "C++", "--": "\u2014", "PI": "pi", "Tm": "(TM)",
                 "lq": '"', "rq": '"', "Aq": "'", "R": "\u00ae"}
_ESC = re.compile(r"""\\(?:
    (?P<font>f(?:\[[^\]]*\]|\(..|.))
  | (?P<size>s(?:\[[^\]]*\]|[+-]?\(\d\d|[+-]?\d))
  | \((?P<char2>..)
  | \[(?P<charn>[^\]]*)\]
  | \*(?:\((?P<str2>..)|\[(?P<strn>[^\]]*)\]|(?P<str1>.))
  | (?P<reg>n[+-]?(?:\(..|\[[^\]]*\]|.))
  | (?P<arg>[hvwoXlLbDNRZSxHCMmYVgkz]'[^']*'|[mMYVgkF]\[[^\]]*\]|[mMYVgkF]\(..|[mMYVgkF].)
  | (?P<other>.|$)
)""", re.X)
_ESC_OTHER = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "0": " ", "~": " ", "'": "'", "`": "`",
              ".": ".", "t": " "}
_TEXT_MACROS = {
    # man(7)
    "B", "I", "BR", "BI", "IB", "IR", "RB", "RI", "SB", "SM", "SS", "IP", "HP", "TQ", "OP",
    # mdoc(7)
    "Nm", "Nd", "Fl", "Ar", "Op", "Xr", "Pa", "Dq", "Sq", "Ql", "Em", "Sy", "Li", "Cm", "Ic",
    "Ev", "Va", "Fn", "Fa", "Ft", "Fo", "Dv", "Er", "Tn", "Sx", "Pq", "Aq", "Bq", "Ux", "At",
    "Bx", "Ad", "An", "Cd", "Lb", "Ms", "Mt", "Nx", "Ox", "St", "It", "Ss", "Qq", "Dl", "Lk",
    "Ta", "Oo", "Ns", "No", "Xo", "Xc", "Bo", "Bc", "Do", "Dc", "Po", "Pc", "Qo", "Qc", "So",
    "Sc", "Ec", "Eo", "Pf", "Brq", "Bro", "Brc", "Vt", "In", "Fx", "Bsx",
}
# mdoc macros that may appear as arguments of other mdoc macros: dropped there,
# except the few that stand for words.
_MDOC_WORDS = {
    "Ad", "An", "Ap", "Ar", "At", "Bc", "Bo", "Bq", "Brc", "Bro", "Brq", "Bsx", "Bx", "Cd",
    "Cm", "Dc", "Do", "Dq", "Dv", "Ec", "Em", "Eo", "Er", "Ev", "Fa", "Fl", "Fn", "Ft", "Fx",
    "Ic", "Li", "Lk", "Ms", "Mt", "Nm", "No", "Ns", "Nx", "Oc", "Oo", "Op", "Ox", "Pa", "Pc",
    "Pf", "Po", "Pq", "Qc", "Ql", "Qo", "Qq", "Sc", "So", "Sq", "Sx", "Sy", "Ta", "Tn", "Ux",
    "Va", "Vt", "Xc", "Xo", "Xr",
}
_MDOC_NAMES = {"Ux": "UNIX", "Bx": "BSD", "Ox": "OpenBSD", "Fx": "FreeBSD", "Nx": "NetBSD",
               "Bsx": "BSD/OS", "At": "AT&T UNIX"}
_TEXT_MACROS |= _MDOC_WORDS | {"Nd", "It", "Ss", "Dl"}
_DROP_SECTIONS = {"SYNOPSIS", "AUTHOR", "AUTHORS", "COPYRIGHT", "COPYING", "LICENSE", "LICENCE",
                  "COPYRIGHT AND LICENSE", "COPYRIGHT AND LICENCE", "LICENSE AND COPYRIGHT",
                  "REPORTING BUGS", "COLOPHON", "AVAILABILITY", "AUTHORS AND COPYRIGHT",
                  "AUTHOR AND COPYRIGHT", "MAINTAINER", "MAINTAINERS", "TRADEMARKS"}
_ARGS = re.compile(r'"([^"]*)"?|(\S+)')


def _esc(m):
    g = m.lastgroup
    if g in ("font", "size", "reg", "arg"):
        return ""
    if g == "char2":
        return _ROFF_CHARS.get(m.group("char2"), " ")
    if g == "charn":
        name = m.group("charn")
        if name.startswith("u") and re.fullmatch(r"u[0-9A-Fa-f]{4,6}", name):
            return chr(int(name[1:], 16))
        return _ROFF_CHARS.get(name, " ")
    if g in ("str2", "strn", "str1"):
        return _ROFF_STRINGS.get(m.group(g), "")
    return _ESC_OTHER.get(m.group("other"), "")


def roff_to_text(src, max_words):
    """Plain words of a man page (man or mdoc macros), at most max_words of them."""
    words = []
    skip_section = False
    skip_until = None      # ".." for .de/.ig, ".TE", ".EN", ".PE"
    table_format = False
    mdoc_name = ""
    for line in src.split("\n"):
        if skip_until is not None:
            if line.startswith(skip_until):
                skip_until = None
            continue
        if table_format:
            if line.rstrip().endswith("."):
                table_format = False
            continue
        if line.startswith(".") or line.startswith("'"):
            body = line[1:].lstrip()
            if body.startswith('\\"'):
                continue
            name, _, rest = body.partition(" ")
            name = name.strip()
            if name in ("de", "de1", "ig", "am", "ds1"):
                if name != "ds1":
                    skip_until = ".."
                continue
            if name == "so":
                return None                       # an alias page
            if name == "TS":
                table_format = True
                continue
            if name in ("EQ", "PS"):
                skip_until = "." + ("EN" if name == "EQ" else "PE")
                continue
            if name in ("SH", "Sh"):
                title = " ".join(a or b for a, b in _ARGS.findall(_ESC.sub(_esc, rest)))
                skip_section = title.strip().upper() in _DROP_SECTIONS
                continue
            if skip_section or name not in _TEXT_MACROS:
                continue
            i = rest.find('\\"')
            if i >= 0:
                rest = rest[:i]
            args = [a or b for a, b in _ARGS.findall(rest)]
            if name == "IP":
                args = args[:1]
            elif name in ("HP", "TQ"):
                args = []
            if name in _MDOC_WORDS or name in ("It", "Nd", "Dl"):
                if name == "Nm":
                    if args and not mdoc_name:
                        mdoc_name = args[0]
                    elif not args and mdoc_name:
                        args = [mdoc_name]
                words_in = [name] + args if name in _MDOC_NAMES else args
                args = [_MDOC_NAMES.get(a, mdoc_name if a == "Nm" else "")
                        if a in _MDOC_WORDS or a in _MDOC_NAMES else a for a in words_in]
            text = _ESC.sub(_esc, " ".join(args))
        else:
            if skip_section:
                continue
            i = line.find('\\"')
            if i >= 0:
                line = line[:i]
            text = _ESC.sub(_esc, line)
        words.extend(text.split())
        if len(words) >= max_words:
            break
    return words[:max_words]


def dpkg_owners(prefix):
    """path -> package for the files under prefix, from /var/lib/dpkg/info/*.list."""
    owners = {}
    lists = sorted(glob.glob("/var/lib/dpkg/info/*.list"))
    if not lists:
        raise Unavailable("no /var/lib/dpkg/info/*.list files (not a Debian system?)")
    for lf in lists:
        pkg = os.path.basename(lf)[:-len(".list")].split(":")[0]
        with open(lf, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(prefix):
                    owners.setdefault(line.rstrip("\n"), pkg)
    return owners


_MAN_CACHE = {}


def man_docs():
    if "docs" in _MAN_CACHE:
        return _MAN_CACHE["docs"]
    owners = dpkg_owners("/usr/share/man/man")
    dirs = sorted(d for d in glob.glob("/usr/share/man/man*") if os.path.isdir(d)
                  and re.fullmatch(r"man[0-9n]\w*", os.path.basename(d)))
    if not dirs:
        raise Unavailable("no /usr/share/man/man*/ directories")
    docs = []
    n_files = n_links = n_alias = n_short = n_unowned = n_bad = 0
    for d in dirs:
        section = os.path.basename(d)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            n_files += 1
            if os.path.islink(path) or not os.path.isfile(path):
                n_links += 1
                continue
            pkg = owners.get(path)
            if pkg is None:
                n_unowned += 1
                continue
            try:
                with open(path, "rb") as f:
                    raw = f.read()
                if name.endswith(".gz"):
                    raw = gzip.decompress(raw)
                elif name.endswith((".bz2", ".xz", ".lzma", ".zst")):
                    n_bad += 1
                    continue
            except (OSError, EOFError):
                n_bad += 1
                continue
            words = roff_to_text(raw.decode("utf-8", errors="replace"), MAX_WORDS)
            if words is None:
                n_alias += 1
                continue
            if len(words) < 50:
                n_short += 1
                continue
            page = name[:-3] if name.endswith(".gz") else name
            docs.append(("%s/%s" % (section, page), pkg, section, clean(" ".join(words))))
    notes = {"files": n_files, "links": n_links, "so_aliases": n_alias, "under_50_words": n_short,
             "not_owned_by_a_package": n_unowned, "unreadable": n_bad}
    _MAN_CACHE["docs"] = (docs, notes)
    return docs, notes


def pool_manpages():
    docs, notes = man_docs()
    return [(i, pkg, t) for i, pkg, _, t in docs], dict(notes)


def pool_manpages_section():
    docs, notes = man_docs()
    return [(i, sec, t) for i, _, sec, t in docs], dict(notes)


# --------------------------------------------------------- debian descriptions

def parse_deb822(text):
    """Yields dicts of the stanzas; continuation lines are joined with "\\n"."""
    rec, key = {}, None
    for line in text.split("\n"):
        if not line.strip():
            if rec:
                yield rec
            rec, key = {}, None
        elif line[0] in " \t":
            if key is not None:
                rec[key] += "\n" + line[1:]
        else:
            k, _, v = line.partition(":")
            key = k.strip()
            rec[key] = v.strip()
    if rec:
        yield rec


def read_apt_list(path):
    """A file of /var/lib/apt/lists/, decompressed (apt-helper for what Python can't read)."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")
    if path.endswith((".xz", ".lzma")):
        import lzma
        with lzma.open(path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")
    if path.endswith(".bz2"):
        import bz2
        with bz2.open(path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")
    if path.endswith((".lz4", ".zst")):
        out = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return out.stdout.decode("utf-8", errors="replace")
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def long_description(desc):
    """Summary + long text of a Description field; ' .' lines are paragraph breaks."""
    lines = desc.split("\n")
    paras, cur = [lines[0].strip()], []
    for ln in lines[1:]:
        if ln.strip() == ".":
            if cur:
                paras.append(" ".join(cur))
            cur = []
        else:
            cur.append(ln.strip())
    if cur:
        paras.append(" ".join(cur))
    return [clean(p) for p in paras if p.strip()]


def pool_debian_descriptions():
    notes = {}
    try:
        out = subprocess.run(["apt-cache", "dumpavail"], check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        text = out.stdout.decode("utf-8", errors="replace")
        notes["source"] = "apt-cache dumpavail"
        if not text.strip():
            raise OSError("empty output")
    except (OSError, subprocess.CalledProcessError) as e:
        log("debian-descriptions: apt-cache dumpavail failed (%s); reading /var/lib/dpkg" % e)
        text = ""
        for p in ("/var/lib/dpkg/available", "/var/lib/dpkg/status"):
            if os.path.exists(p) and os.path.getsize(p) > 0:
                with open(p, "rb") as f:
                    text = f.read().decode("utf-8", errors="replace")
                notes["source"] = p
                break
        if not text:
            raise Unavailable("neither apt-cache dumpavail nor /var/lib/dpkg/{available,status}")
    translations = {}
    tfiles = sorted(p for p in glob.glob("/var/lib/apt/lists/*_i18n_Translation-en*")
                    if not p.endswith((".diff", "Index")))
    for p in tfiles:
        try:
            for rec in parse_deb822(read_apt_list(p)):
                md5, d = rec.get("Description-md5"), rec.get("Description-en")
                if md5 and d and "\n" in d:
                    translations.setdefault(md5, d)
        except (OSError, subprocess.CalledProcessError) as e:
            log("debian-descriptions: cannot read %s: %s" % (p, e))
    notes["translation_files"] = len(tfiles)
    status = {}
    if os.path.exists("/var/lib/dpkg/status"):
        with open("/var/lib/dpkg/status", "rb") as f:
            for rec in parse_deb822(f.read().decode("utf-8", errors="replace")):
                d = rec.get("Description", "")
                if "Package" in rec and "\n" in d:
                    status.setdefault(rec["Package"], d)
    if not translations:
        log("debian-descriptions: no Translation-en files in /var/lib/apt/lists/: only installed "
            "packages have a long description (apt-get update -o Acquire::Languages=en adds them)")
    seen, recs, n_long = set(), [], 0
    for rec in parse_deb822(text):
        pkg, sec = rec.get("Package"), rec.get("Section")
        desc = rec.get("Description") or rec.get("Description-en")
        if not pkg or not sec or not desc or pkg in seen:
            continue
        seen.add(pkg)
        if "\n" not in desc:
            full = translations.get(rec.get("Description-md5", "")) or status.get(pkg)
            if full and full.split("\n", 1)[0].strip() == desc.strip():
                desc = full
        if "\n" in desc:
            n_long += 1
        sec = re.sub(r"^(contrib|non-free|non-free-firmware|restricted|universe|multiverse)/",
                     "", sec)
        recs.append((pkg, sec, long_description(desc)))
    # Paragraphs shared verbatim by many packages are boilerplate.
    count = {}
    for _, _, paras in recs:
        for p in set(paras[1:]):
            count[p] = count.get(p, 0) + 1
    common = {p for p, c in count.items() if c >= 20}
    docs = []
    for pkg, sec, paras in recs:
        t = " ".join([paras[0]] + [p for p in paras[1:] if p not in common])
        if len(t.split()) >= 15:
            docs.append((pkg, sec, t))
    notes.update({"packages": len(recs), "with_long_text": n_long,
                  "boilerplate_paragraphs": len(common)})
    return docs, notes


# ----------------------------------------------------------------------- docs

_LICENSE = re.compile(
    r"permission is hereby granted|general public license|without any warranty|"
    r"redistribution and use in source and binary|licensed under the apache|"
    r"warranties of merchantability|mozilla public license|all rights reserved|"
    r"you can redistribute it and/or modify|the above copyright notice|"
    r"provided .as is.|creative commons|spdx-license-identifier", re.I)


# NEWS.Debian entries: "pkg (1.2-3) unstable; urgency=low" and " -- Name <mail>  date" lines
_DEB_TRAILER = re.compile(r"^(?:\S+ \([^)\n]*\) [\w .-]+; urgency=.*| -- .*<[^>\n]*@[^>\n]*>.*)$",
                          re.M)


def family(pkg):
    first = pkg.split("-")[0]
    fam = re.sub(r"[\d.+]+$", "", first) or first
    if fam.startswith("lib") and len(fam) > 5:
        fam = fam[3:]
    return fam


def pool_docs():
    root = "/usr/share/doc"
    if not os.path.isdir(root):
        raise Unavailable("no /usr/share/doc")
    docs = []
    n_files = n_license = n_same = 0
    seen_files = set()
    for pkg in sorted(os.listdir(root)):
        pdir = os.path.join(root, pkg)
        if os.path.islink(pdir) or not os.path.isdir(pdir):
            continue
        fam = family(pkg)
        for dirpath, dirnames, filenames in os.walk(pdir):
            dirnames.sort()
            for name in sorted(filenames):
                low = name.lower()
                base = low[:-3] if low.endswith(".gz") else low
                if (low.startswith("changelog") or base == "copyright"
                        or any(w in base for w in ("license", "licence", "copying"))):
                    continue
                if not (base.startswith("readme") or base.startswith("news")
                        or base.endswith((".txt", ".md"))):
                    continue
                path = os.path.join(dirpath, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as f:
                        raw = f.read()
                    if low.endswith(".gz"):
                        raw = gzip.decompress(raw)
                except (OSError, EOFError):
                    continue
                if b"\x00" in raw[:4096]:
                    continue
                digest = hashlib.sha256(raw).digest()
                if digest in seen_files:            # the same file shipped by two packages
                    n_same += 1
                    continue
                seen_files.add(digest)
                n_files += 1
                text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
                text = _DEB_TRAILER.sub("", text)
                rel = os.path.relpath(path, root)
                chunk, k = [], 0

                def emit(words):
                    nonlocal k
                    for s in range(0, len(words), MAX_WORDS):
                        piece = words[s:s + MAX_WORDS]
                        if len(piece) >= 50:
                            k += 1
                            docs.append(("%s#%d" % (rel, k), fam, clean(" ".join(piece))))

                for para in re.split(r"\n\s*\n", text):
                    if _LICENSE.search(para):
                        n_license += 1
                        continue
                    words = para.split()
                    # ruler and table lines of ASCII art carry no words
                    words = [w for w in words if re.search(r"\w", w)]
                    chunk.extend(words)
                    if len(chunk) >= 50:
                        emit(chunk)
                        chunk = []
                if chunk:
                    emit(chunk)
    notes = {"files": n_files, "identical_files_skipped": n_same,
             "license_paragraphs_dropped": n_license}
    groups = {g for _, g, _ in docs}
    if len(groups) < 5:
        raise Unavailable("only %d package families in /usr/share/doc" % len(groups))
    return docs, notes


# ---------------------------------------------------------------- brown, spam

def pool_brown():
    path = os.path.join(REPO, "data", "brown.tsv.gz")
    if not os.path.exists(path):
        raise Unavailable("%s missing" % path)
    docs = []
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        for line in f:
            i, label, text = line.rstrip("\n").split("\t")
            docs.append((i, label, clean(text)))
    return docs, {"file": os.path.relpath(path, REPO)}


def pool_spam():
    path = os.path.join(HERE, "spam.tsv")
    if not os.path.exists(path):
        raise Unavailable("%s missing (run bench/data/fetch_corpora.py first; "
                          "this script downloads nothing)" % os.path.relpath(path, REPO))
    docs = []
    with open(path, "r", encoding="utf-8", newline="\n") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                sys.exit("make_real_corpora: %s: a line without 3 tab-separated fields" % path)
            docs.append((parts[0], parts[1], clean(parts[2])))
    return docs, {"file": os.path.relpath(path, REPO)}


BUILDERS = {
    "docstrings": pool_docstrings,
    "manpages": pool_manpages,
    "manpages-section": pool_manpages_section,
    "debian-descriptions": pool_debian_descriptions,
    "docs": pool_docs,
    "brown": pool_brown,
    "spam": pool_spam,
}


def build_pool(name):
    t0 = time.time()
    docs, notes = BUILDERS[name]()
    docs = [(clean(i), clean(g), t) for i, g, t in docs if t]
    docs, same, conflict = dedupe(docs)
    notes["duplicates_dropped"] = same
    notes["conflicting_duplicates_dropped"] = conflict
    notes["seconds"] = round(time.time() - t0, 1)
    return docs, notes


def groups_of(docs):
    groups = {}
    for d in docs:
        groups.setdefault(d[1], []).append(d)
    return groups


# ------------------------------------------------------------------- mixtures

def tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2)


def centroids(X, labels, names):
    import numpy as np
    from sklearn.preprocessing import normalize
    labels = np.asarray(labels)
    C = np.vstack([np.asarray(X[labels == g].mean(axis=0)).ravel() for g in names])
    return normalize(C)


def separation(cos):
    import numpy as np
    k = cos.shape[0]
    if k < 2:
        return 0.0, 0.0, None
    iu = np.triu_indices(k, 1)
    vals = cos[iu]
    j = int(np.argmax(vals))
    return float(vals.max()), float(vals.mean()), (int(iu[0][j]), int(iu[1][j]))


def svm_check(texts, labels, seed):
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC
    counts = {}
    for g in labels:
        counts[g] = counts.get(g, 0) + 1
    folds = min(5, min(counts.values()))
    if folds < 2:
        return None
    pipe = make_pipeline(tfidf(), LinearSVC(dual=True))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(pipe, texts, np.asarray(labels), cv=cv)
    return {"folds": folds, "accuracy": float(scores.mean()), "std": float(scores.std()),
            "majority_share": max(counts.values()) / len(labels)}


def mixture(args):
    import numpy as np
    docs, notes = build_pool(args.source)
    groups = groups_of(docs)
    cands = sorted(g for g, d in groups.items() if len(d) >= args.min_group_size)
    if len(cands) < args.groups:
        sizes = sorted(((len(d), g) for g, d in groups.items()), reverse=True)
        sys.exit("make_real_corpora: pool %s has %d groups with >= %d documents, %d asked for "
                 "(largest: %s); lower --min-group-size or --groups"
                 % (args.source, len(cands), args.min_group_size, args.groups,
                    ", ".join("%s:%d" % (g, n) for n, g in sizes[:args.groups + 5])))
    samples = {}
    for g in cands:
        rng = random.Random("%d/%s" % (args.seed, g))
        d = groups[g]
        samples[g] = rng.sample(d, args.per_group) if len(d) > args.per_group else list(d)
    texts = [t for g in cands for _, _, t in samples[g]]
    labels = [g for g in cands for _ in samples[g]]
    X = tfidf().fit_transform(texts)
    C = centroids(X, labels, cands)
    cos = C @ C.T
    rng = random.Random(args.seed)
    tiebreak = {g: rng.random() for g in cands}
    size = {g: len(groups[g]) for g in cands}
    idx = {g: i for i, g in enumerate(cands)}
    if args.start == "largest":
        first = min(cands, key=lambda g: (-size[g], tiebreak[g]))
    else:
        first = cands[rng.randrange(len(cands))]
    chosen = [first]
    maxcos = {g: cos[idx[g], idx[first]] for g in cands}
    while len(chosen) < args.groups:
        g = min((c for c in cands if c not in chosen),
                key=lambda c: (round(float(maxcos[c]), 9), -size[c], tiebreak[c]))
        chosen.append(g)
        for c in cands:
            maxcos[c] = max(maxcos[c], cos[idx[c], idx[g]])
    ci = [idx[g] for g in chosen]
    sel_max, sel_mean, _ = separation(cos[np.ix_(ci, ci)])

    out_docs = [d for g in chosen for d in samples[g]]
    random.Random(args.seed).shuffle(out_docs)
    out = args.output or os.path.join(OUT_DIR, "%s-%d-%d.tsv" % (args.source, args.groups,
                                                                  args.seed))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    write_atomic(out, ("%s\t%s\t%s" % d for d in out_docs))

    mtexts = [t for _, _, t in out_docs]
    mlabels = [g for _, g, _ in out_docs]
    Xm = tfidf().fit_transform(mtexts)
    Cm = centroids(Xm, mlabels, chosen)
    mx, mean, pair = separation(Cm @ Cm.T)
    report = {
        "source": args.source, "groups": args.groups, "per_group": args.per_group,
        "seed": args.seed, "min_group_size": args.min_group_size, "start": args.start,
        "documents": len(out_docs), "candidate_groups": len(cands),
        "chosen": [{"group": g, "documents": len(samples[g]), "pool_size": size[g]}
                   for g in chosen],
        "max_cosine": round(mx, 4), "mean_cosine": round(mean, 4),
        "closest_pair": [chosen[pair[0]], chosen[pair[1]]] if pair else None,
        "selection_max_cosine": round(sel_max, 4), "selection_mean_cosine": round(sel_mean, 4),
        "pool_notes": notes,
        "command": "make_real_corpora.py " + " ".join(sys.argv[1:]),
    }
    if args.check:
        report["linear_svc"] = svm_check(mtexts, mlabels, args.seed)
    with open(out + ".json.tmp-%d" % os.getpid(), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    os.replace(out + ".json.tmp-%d" % os.getpid(), out + ".json")

    print("%s: %d documents, %d groups (of %d candidates with >= %d documents), seed %d"
          % (out, len(out_docs), len(chosen), len(cands), args.min_group_size, args.seed))
    print("  groups: " + ", ".join("%s:%d" % (g, len(samples[g])) for g in chosen))
    print("  centroid cosine on the mixture: max %.3f (%s), mean %.3f"
          % (mx, " / ".join(report["closest_pair"] or []), mean))
    if args.check and report["linear_svc"]:
        s = report["linear_svc"]
        print("  LinearSVC %d-fold accuracy %.3f +- %.3f (majority share %.3f)"
              % (s["folds"], s["accuracy"], s["std"], s["majority_share"]))


# ------------------------------------------------------------------ list, all

def print_pool(name, docs, notes, min_size):
    groups = groups_of(docs)
    sizes = sorted(((len(d), g) for g, d in groups.items()), key=lambda x: (-x[0], x[1]))
    big = [(n, g) for n, g in sizes if n >= min_size]
    words = sum(len(t.split()) for _, _, t in docs)
    print("%s: %d documents, %d groups, %d groups with >= %d documents, %.0f words/document, %.1f s"
          % (name, len(docs), len(groups), len(big), min_size, words / max(1, len(docs)),
             notes.get("seconds", 0)))
    print("  notes: " + ", ".join("%s=%s" % kv for kv in notes.items() if kv[0] != "seconds"))
    line = "  "
    for n, g in big:
        item = "%s:%d " % (g, n)
        if len(line) + len(item) > 100:
            print(line.rstrip())
            line = "  "
        line += item
    if line.strip():
        print(line.rstrip())
    rest = sizes[len(big):]
    if rest:
        print("  + %d smaller groups (%d documents, largest %s:%d)"
              % (len(rest), sum(n for n, _ in rest), rest[0][1], rest[0][0]))


def main():
    ap = argparse.ArgumentParser(
        description="Build labelled corpora of real text from this Debian machine "
                    "into bench/data/real/ (see the module docstring).")
    ap.add_argument("--source", choices=POOLS, help="the pool to mix (or to --list)")
    ap.add_argument("--groups", type=int, help="number of groups C in the mixture")
    ap.add_argument("--per-group", type=int, default=100,
                    help="documents drawn from each group (all if fewer; default 100)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--min-group-size", type=int, default=60,
                    help="groups with fewer documents are never chosen (default 60)")
    ap.add_argument("--start", choices=["random", "largest"], default="random",
                    help="the first group: drawn by the seed (default) or the largest")
    ap.add_argument("--check", action="store_true",
                    help="also report the 5-fold accuracy of LinearSVC on TF-IDF")
    ap.add_argument("-o", "--output", help="output TSV (default bench/data/real/"
                                           "<source>-<groups>-<seed>.tsv)")
    ap.add_argument("--all", action="store_true", help="write every pool whole")
    ap.add_argument("--list", action="store_true", help="print each pool's groups and sizes")
    args = ap.parse_args()

    if args.list or args.all:
        if args.groups is not None:
            ap.error("--groups makes a mixture; it does not go with --list or --all")
        t0 = time.time()
        for name in ([args.source] if args.source and args.list else POOLS):
            try:
                docs, notes = build_pool(name)
            except Unavailable as e:
                print("%s: skipped: %s" % (name, e))
                continue
            if args.list:
                print_pool(name, docs, notes, args.min_group_size)
            if args.all:
                os.makedirs(OUT_DIR, exist_ok=True)
                path = os.path.join(OUT_DIR, name + ".tsv")
                n = write_atomic(path, ("%s\t%s\t%s" % d for d in docs))
                print("wrote %s: %d documents, %d groups, %d bytes (%.1f s)"
                      % (os.path.relpath(path, REPO), n, len(groups_of(docs)),
                         os.path.getsize(path), notes["seconds"]))
        print("total %.1f s" % (time.time() - t0))
        return
    if not args.source or args.groups is None:
        ap.error("a mixture needs --source and --groups (or use --list / --all)")
    if args.groups < 1 or args.per_group < 1 or args.min_group_size < 1:
        ap.error("--groups, --per-group and --min-group-size must be >= 1")
    try:
        mixture(args)
    except Unavailable as e:
        sys.exit("make_real_corpora: pool %s unavailable: %s" % (args.source, e))


if __name__ == "__main__":
    main()
