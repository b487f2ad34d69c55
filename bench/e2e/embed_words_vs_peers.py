#!/usr/bin/env python3
"""Word embeddings on real text: strata embed-words (PPMI with context
smoothing + truncated SVD, w + c) against a textbook PPMI + SVD baseline and
gensim's Word2Vec (skip-gram, negative sampling), trained on the same tokens
with the same vocabulary, judged by WordNet (Debian's wordnet-base).

Judgements (pairs whose two words are in the shared vocabulary):
  synonyms  - two single-word lemmas of one WordNet synset (noun, verb, adj,
              adv) against a random vocabulary word for the same anchor word:
              AUC = P(cos(anchor, synonym) > cos(anchor, random)), ties 1/2.
  category  - two nouns whose senses all lie in one WordNet lexicographer file
              (noun.animal, noun.food, ...) against a noun of another file,
              same anchor: the same AUC.
0.5 is chance, 1.0 perfect.

Corpora (bench/data/fetch_corpora.py): the Brown corpus, the State of the
Union addresses, the SpamAssassin e-mails, and all of them together with
Moby-Dick. Each document is tokenized as strata and scikit-learn do
((?u)\\b\\w\\w+\\b, lowercased) and cut into 1,000-token lines, so both tools
see the same token stream; the vocabulary is strata's (words in at least 5
lines, at most 40,000 words) and gensim keeps exactly those words.

  PYTHONPATH=build/python /usr/bin/python3 bench/e2e/embed_words_vs_peers.py --out bench/results/embed_words.md
  (--sweep CORPUS: the grid used to choose strata's defaults)
"""
import argparse
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

import strata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench", "data"))
import fetch_corpora  # noqa: E402

TOKEN = re.compile(r"(?u)\b\w\w+\b")
WORDNET = "/usr/share/wordnet"
CHUNK = 1000
MIN_DF = 5
MAX_FEATURES = 40000


def corpus_docs(name):
    if name == "brown":
        return list(fetch_corpora.brown_docs())
    if name == "sotu":
        return list(fetch_corpora.sotu_docs())
    if name == "spam":
        return [text for _, _, text in fetch_corpora.spam_docs()]
    if name == "all":
        return (list(fetch_corpora.brown_docs()) + list(fetch_corpora.sotu_docs()) +
                list(fetch_corpora.moby_docs()) + [t for _, _, t in fetch_corpora.spam_docs()])
    raise SystemExit(f"unknown corpus {name}")


def token_lines(docs):
    lines = []
    for d in docs:
        toks = TOKEN.findall(d.lower())
        for i in range(0, len(toks), CHUNK):
            lines.append(toks[i:i + CHUNK])
    return lines


def wordnet_judgements():
    """(synonym pairs, noun -> lexicographer file for nouns with one file)."""
    synonyms = set()
    noun_files = {}
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET, "data." + pos), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                lex_file = int(fields[1])
                count = int(fields[3], 16)
                words = [fields[4 + 2 * i].lower() for i in range(count)]
                words = sorted({re.sub(r"\(.*\)$", "", w) for w in words if "_" not in w and "-" not in w})
                for i in range(len(words)):
                    for j in range(i + 1, len(words)):
                        synonyms.add((words[i], words[j]))
                if pos == "noun":
                    for w in words:
                        noun_files.setdefault(w, set()).add(lex_file)
    single = {w: next(iter(f)) for w, f in noun_files.items() if len(f) == 1}
    return sorted(synonyms), single


class Judge:
    def __init__(self, vocabulary, seed=0, negatives=10):
        syn, files = wordnet_judgements()
        vocab = set(vocabulary)
        rng = random.Random(seed)
        words = sorted(vocab)
        self.synonyms = [(a, b, [rng.choice(words) for _ in range(negatives)])
                         for a, b in syn if a in vocab and b in vocab]
        nouns = sorted(w for w in files if w in vocab)
        by_file = {}
        for w in nouns:
            by_file.setdefault(files[w], []).append(w)
        self.categories = []
        for w in nouns:
            same = [v for v in by_file[files[w]] if v != w]
            if not same:
                continue
            for _ in range(2):
                other = rng.choice(nouns)
                while files[other] == files[w]:
                    other = rng.choice(nouns)
                self.categories.append((w, rng.choice(same), [other]))

    @staticmethod
    def _auc(cases, cos):
        wins = 0.0
        total = 0
        for a, b, negs in cases:
            pos = cos(a, b)
            for r in negs:
                if r == a or r == b:
                    continue
                neg = cos(a, r)
                wins += 1.0 if pos > neg else 0.5 if pos == neg else 0.0
                total += 1
        return wins / max(total, 1)

    def score(self, vectors, vocabulary):
        index = {w: i for i, w in enumerate(vocabulary)}
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

        def cos(a, b):
            return float(unit[index[a]] @ unit[index[b]])
        return self._auc(self.synonyms, cos), self._auc(self.categories, cos)


def textbook_ppmi_svd(counts, dim):
    """PPMI without smoothing or shift, vectors U S (the classic LSA-style recipe)."""
    C = sp.csr_matrix(counts, dtype=np.float64)
    total = C.sum()
    row = np.asarray(C.sum(axis=1)).ravel()
    col = np.asarray(C.sum(axis=0)).ravel()
    coo = C.tocoo()
    pmi = np.log(coo.data * total / (row[coo.row] * col[coo.col]))
    keep = pmi > 0
    P = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=C.shape)
    u, s, _ = svds(P, k=dim, random_state=0)
    return u * s


def gensim_word2vec(lines, vocabulary, dim, window, threads, epochs):
    from gensim.models import Word2Vec
    from gensim.utils import RULE_DISCARD, RULE_KEEP
    keep = set(vocabulary)
    model = Word2Vec(sentences=lines, vector_size=dim, window=window, sg=1, negative=5, min_count=1,
                     trim_rule=lambda w, c, m: RULE_KEEP if w in keep else RULE_DISCARD,
                     workers=threads, epochs=epochs, seed=0)
    return np.vstack([model.wv[w] if w in model.wv else np.zeros(dim) for w in vocabulary])


def strata_cli_embed(cli, path, out_dir, dim, window, threads):
    t = time.perf_counter()
    subprocess.run([cli, "embed-words", path, "--format", "lines", "--window", str(window), "--dim", str(dim),
                    "--min-df", str(MIN_DF), "--max-features", str(MAX_FEATURES), "--threads", str(threads),
                    "--quiet", "-o", out_dir], check=True)
    seconds = time.perf_counter() - t
    vectors = np.load(os.path.join(out_dir, "vectors.npy"))
    vocab = open(os.path.join(out_dir, "vocab.txt"), encoding="utf-8").read().split("\n")[:-1]
    return vectors, vocab, seconds


def prepare(name, tmp):
    lines = token_lines(corpus_docs(name))
    path = os.path.join(tmp, name + ".txt")
    with open(path, "w", encoding="utf-8") as f:
        for toks in lines:
            f.write(" ".join(toks) + "\n")
    return lines, path


def compare(a, tmp, name):
    lines, path = prepare(name, tmp)
    tokens = sum(len(t) for t in lines)
    out = os.path.join(tmp, name + "_strata")
    vectors, vocab, t_strata = strata_cli_embed(a.cli, path, out, a.dim, a.window, a.threads)
    judge = Judge(vocab)
    rows = [("strata embed-words (defaults)", t_strata, *judge.score(vectors, vocab))]

    corpus = strata.load_corpus(path, format="lines", min_df=MIN_DF, max_features=MAX_FEATURES, weighting="count",
                                window=a.window)
    assert corpus.vocabulary == vocab
    t = time.perf_counter()
    base = textbook_ppmi_svd(corpus.cooccurrence, a.dim)
    rows.append(("textbook PPMI + SVD, U S (scipy svds)", time.perf_counter() - t, *judge.score(base, vocab)))

    t = time.perf_counter()
    w2v = gensim_word2vec(lines, vocab, a.dim, a.window, a.threads, a.epochs)
    rows.append((f"gensim Word2Vec skip-gram, {a.epochs} epochs", time.perf_counter() - t, *judge.score(w2v, vocab)))
    return tokens, len(vocab), len(judge.synonyms), len(judge.categories), rows


def sweep(a, tmp, name):
    lines, path = prepare(name, tmp)
    corpus = strata.load_corpus(path, format="lines", min_df=MIN_DF, max_features=MAX_FEATURES, weighting="count",
                                window=a.window)
    vocab = corpus.vocabulary
    judge = Judge(vocab)
    out = [f"sweep on {name}: {sum(len(t) for t in lines)} tokens, {len(vocab)} words, window {a.window}",
           "", "| dim | eig | smoothing | shift | w + c | synonyms AUC | category AUC |", "|---|---|---|---|---|---|---|"]
    grid = [(d, e, s, k, c) for d in (100,) for e in (0.0, 0.5, 1.0) for s in (0.75, 1.0) for k in (1.0, 5.0)
            for c in (True, False)]
    grid += [(d, 1.0, 0.75, 1.0, True) for d in (50, 200, 300)]
    if a.small_grid:  # what the full grid on Brown left open
        grid = [(100, e, s, 1.0, c) for e in (0.5, 1.0) for s in (0.75, 1.0) for c in (True, False)]
        grid += [(d, 1.0, 0.75, 1.0, True) for d in (50, 200, 300)]
    for d, e, s, k, c in grid:
        w = strata.WordEmbedding(dim=d, eig=e, smoothing=s, shift=k, context_vectors=c, threads=a.threads)
        w.fit_cooccurrence(corpus.cooccurrence, vocab)
        syn, cat = judge.score(w.vectors_, vocab)
        out.append(f"| {d} | {e} | {s} | {k} | {'yes' if c else 'no'} | {syn:.4f} | {cat:.4f} |")
        print(out[-1], flush=True)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "bin", "strata"))
    ap.add_argument("--corpora", default="brown,sotu,spam,all")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--sweep", default=None, help="run the defaults grid on this corpus instead")
    ap.add_argument("--small-grid", action="store_true", help="with --sweep: the reduced grid")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.sweep:
            text = sweep(a, tmp, a.sweep)
        else:
            import gensim
            parts = [f"# Word embeddings: strata vs textbook PPMI + SVD vs gensim Word2Vec",
                     "", "```", "PYTHONPATH=build/python /usr/bin/python3 bench/e2e/embed_words_vs_peers.py "
                     f"--corpora {a.corpora} --dim {a.dim} --window {a.window} --threads {a.threads}", "```", "",
                     f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; gensim {gensim.__version__}; "
                     f"dim {a.dim}, window {a.window}, {a.threads} threads. AUC 0.5 = chance. strata's time includes "
                     "reading and vectorizing the text (process start to written vectors); the baselines' times are "
                     "the factorization (PPMI + SVD) and the training (Word2Vec) only.", ""]
            for name in a.corpora.split(","):
                tokens, words, n_syn, n_cat, rows = compare(a, tmp, name)
                parts += [f"## {name}: {tokens:,} tokens, {words:,} words; {n_syn:,} synonym pairs, "
                          f"{n_cat:,} category pairs", "",
                          "| method | seconds | synonyms AUC | category AUC |", "|---|---|---|---|"]
                parts += [f"| {m} | {t:.1f} | {s:.4f} | {c:.4f} |" for m, t, s, c in rows]
                parts.append("")
                print("\n".join(parts[-len(rows) - 4:]), flush=True)
            text = "\n".join(parts)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
