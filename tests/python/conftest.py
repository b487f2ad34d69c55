import os
import pathlib
import random

import pytest

ROOT = pathlib.Path(os.environ.get("STRATA_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def strata_cli():
    path = os.environ.get("STRATA_CLI", str(ROOT / "build" / "bin" / "strata"))
    if not os.path.exists(path):
        pytest.fail(f"strata CLI not found at {path} (set STRATA_CLI)")
    return path


@pytest.fixture(scope="session")
def brown_tsv():
    return ROOT / "data" / "brown.tsv.gz"


def make_ascii_documents(n_docs=300, seed=0):
    """Messy ASCII text: mixed case, digits, underscores, punctuation, apostrophes,
    one-letter words, stop words, tabs inside lines are avoided."""
    rng = random.Random(seed)
    words = ["the", "The", "and", "of", "Data", "data", "model", "Models", "x1", "42", "a", "I", "b_c", "e-mail",
             "can't", "NMF", "topic", "topics", "sparse", "Matrix", "matrix's", "it", "__init__", "A1B2",
             "zeta", "alpha", "beta", "gamma", "u.s.a", "rock&roll", "3.14", "well-known", "x", "yy"]
    words += ["w%d" % i for i in range(400)]
    seps = [" ", "  ", ", ", ". ", "; ", " (", ") ", "!", "?", " -- ", "/", "\""]
    docs = []
    for _ in range(n_docs):
        n = rng.randint(0, 60)
        parts = []
        for _ in range(n):
            parts.append(rng.choice(words) if rng.random() < 0.3 else "w%d" % int(rng.paretovariate(1.1) % 400))
            parts.append(rng.choice(seps))
        docs.append("".join(parts))
    return docs
