#!/usr/bin/env python3
"""Builds bench/data/chunks.tsv, a real-text corpus of tens of thousands of
documents for the NMF and SVD benchmarks: every distinct document of
bench/data/big.txt (SpamAssassin mails, State of the Union addresses, the
Brown corpus, Moby Dick; see bench/README.md) cut into consecutive chunks of
150 whitespace-separated tokens (the last chunk of a document may be shorter;
chunks under 20 tokens are dropped). Columns: id, source line, text.

  /usr/bin/python3 bench/e2e/make_nmf_corpus.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
CHUNK = 150


def main():
    seen = set()
    n = 0
    with open(os.path.join(DATA, "big.txt"), encoding="utf-8") as src, \
            open(os.path.join(DATA, "chunks.tsv.tmp"), "w", encoding="utf-8") as out:
        for line_no, line in enumerate(src, 1):
            if line in seen:  # big.txt repeats its documents to reach its size: keep the first pass
                break
            seen.add(line)
            tokens = line.split()
            for start in range(0, len(tokens), CHUNK):
                piece = tokens[start:start + CHUNK]
                if len(piece) < 20:
                    continue
                out.write(f"c{n}\t{line_no}\t{' '.join(piece)}\n")
                n += 1
    os.replace(os.path.join(DATA, "chunks.tsv.tmp"), os.path.join(DATA, "chunks.tsv"))
    print(f"bench/data/chunks.tsv: {n} documents")


if __name__ == "__main__":
    main()
