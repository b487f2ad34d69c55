"""strata's tokenizer equals scikit-learn's default analyzer on non-ASCII text:
``doc.lower()`` then ``re.findall(r"(?u)\\b\\w\\w+\\b", doc)``, per the Unicode
database of the Python running the tests (the tables in src/text/unicode_tables.cpp
are generated from it by scripts/gen_unicode_tables.py)."""
import random
import unicodedata

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

import strata


def is_surrogate(cp):
    return 0xD800 <= cp <= 0xDFFF


def sample_code_points():
    """All of U+0080..U+3000, plus samples of the rest of the BMP and the higher planes."""
    cps = list(range(0x80, 0x3001))
    rng = random.Random(1234)
    blocks = [
        (0x3001, 0xA000, 7),     # CJK symbols, kana, CJK ideographs
        (0xA000, 0xD800, 5),     # Yi, Vai, Cyrillic Ext-B, Hangul syllables...
        (0xE000, 0xF900, 97),    # private use
        (0xF900, 0x10000, 1),    # compatibility ideographs, presentation forms, halfwidth, specials (U+FFFD)
        (0x10000, 0x10500, 1),   # Linear B, Gothic, Deseret (cased), Osage (cased)...
        (0x10500, 0x1D000, 11),
        (0x1D400, 0x1D800, 1),   # mathematical alphanumerics
        (0x1E900, 0x1E960, 1),   # Adlam (cased)
        (0x1F000, 0x1FB00, 1),   # emoji and pictographs
        (0x1FB00, 0x110000, 997),
    ]
    for lo, hi, step in blocks:
        cps.extend(range(lo, hi, step))
    cps.extend(rng.randrange(0x3001, 0x110000) for _ in range(3000))
    return sorted(set(cp for cp in cps if not is_surrogate(cp)))


CODE_POINTS = sample_code_points()


def analyze(doc):
    return CountVectorizer().build_analyzer()(doc)


def per_document_terms(X, vocabulary):
    X = X.tocsr()
    vocabulary = np.asarray(vocabulary, dtype=object)
    return [dict(zip(vocabulary[X.indices[X.indptr[i]:X.indptr[i + 1]]], X.data[X.indptr[i]:X.indptr[i + 1]]))
            for i in range(X.shape[0])]


def assert_same_counts(docs, labels):
    """strata and CountVectorizer agree on every document (terms and counts) and on the vocabulary."""
    vec = strata.Vectorizer(weighting="count")
    X = vec.fit_transform(docs)
    ref = CountVectorizer()
    X_ref = ref.fit_transform(docs)
    got = per_document_terms(X, vec.get_feature_names_out())
    want = per_document_terms(X_ref, ref.get_feature_names_out())
    bad = [f"{labels[i]}: {docs[i]!r} strata={got[i]} sklearn={want[i]}" for i in range(len(docs))
           if got[i] != want[i]]
    assert not bad, f"{len(bad)} documents differ, e.g.\n" + "\n".join(bad[:20])
    assert list(vec.get_feature_names_out()) == list(ref.get_feature_names_out())


def label(cp):
    return f"U+{cp:04X} {unicodedata.name(chr(cp), '?')} ({unicodedata.category(chr(cp))})"


def test_every_sampled_code_point_between_letters():
    # ch inside a word, doubled, and next to an uppercase letter: checks \w, lower()
    # and that classification happens after lowering.
    docs = [f"ab{chr(cp)}cd x{chr(cp)}{chr(cp)}y {chr(cp)}Z{chr(cp)}" for cp in CODE_POINTS]
    assert_same_counts(docs, [label(cp) for cp in CODE_POINTS])


def test_every_sampled_code_point_around_capital_sigma():
    # Final sigma depends on whether the neighbours are cased or case-ignorable.
    docs = [f"Σ{c}Σ A{c}Σ AΣ{c}B AΣ{c} {c}Σ{c} ΑΣ{c}{c}Σ" for c in map(chr, CODE_POINTS)]
    assert_same_counts(docs, [label(cp) for cp in CODE_POINTS])


@pytest.mark.parametrize("cp", [0x2C, 0xAD, 0x130, 0x3A3, 0x345, 0x2B0, 0xFFFD, 0x301, 0x1F600, 0xE000, 0x3000,
                                0x4E2D, 0x10400, 0x2160, 0xDF])
@pytest.mark.parametrize("template", ["{c}", "{c}{c}", "a{c}", "{c}Z", "Σ{c}"])
def test_single_document_fit_and_empty_vocabulary(cp, template):
    # Fitting one short document: both succeed with the same vocabulary, or both
    # raise ValueError for an empty vocabulary.
    doc = template.format(c=chr(cp))
    try:
        want = list(CountVectorizer().fit([doc]).get_feature_names_out())
    except ValueError:
        want = ValueError
    try:
        vec = strata.Vectorizer(weighting="count")
        vec.fit_transform([doc])
        got = list(vec.get_feature_names_out())
    except ValueError:
        got = ValueError
    assert got == want, (label(cp), doc)


def test_each_code_point_alone_and_doubled_is_a_token_iff_python_says_so():
    docs = [f"{c} {c}{c}" for c in map(chr, CODE_POINTS)]
    # Pad with one ASCII document so the vocabulary is never empty.
    assert_same_counts(docs + ["pad"], [label(cp) for cp in CODE_POINTS] + ["pad"])


# Pieces of many scripts, with the characters that tend to differ between
# tokenizers: combining marks, joiners, soft hyphen, apostrophes, final sigma,
# dotted I, titlecase digraphs, ligatures, fullwidth forms, emoji sequences.
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßŸ",
    "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀŁłŃńŅņŇňŉŊŋŌōŐőŒœŔŕŘřŚśŠšŢţŤťŮůŰűŹźŻżŽžſ",
    "ƀƁƂƃƄƅƆƇƈƉƊƋƌƍƎƏƐƑƒƓƔƕƖƗƘƙƚƛƜƝƞƟƠơƢƣƤƥƦƧƨƩƪƫƬƭƮƯưƱƲƳƴƵƶƷƸƹƺƻƼƽƾƿǀǁǂǃǄǅǆǇǈǉǊǋǌǱǲǳȀȁȺȻȼȽȾ",
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΣΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωΆΈΉΊΌΎΏάέήίόύώϐϑϒϕϖϰϱϴϵϷϸϹϺϻ",
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏѐёђѓєѕіїјљњћќѝўџѠѡѢѣҊҋҌҍҸҹӀӁӂӐӑԀԁԮԯ",
    "ԱԲԳԴԵԶԷԸԹԺԻԼԽԾԿՀՁՂՃՄՅՆՇՈՉՊՋՌՍՎՏՐՑՒՓՔՕՖաբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆև՚՛՜՝՞՟։",
    "אבגדהוזחטיכלמנסעפצקרשתְֱֲֳִֵֶַָֹּׁׂ־׳״ابتثجحخدذرسشصضطظعغفقكلمنهوي٠١٢٣٤٥٦٧٨٩،؛؟ًٌٍَُِّْ",
    "अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौ्ंः।॥०१२३४५६७८९",
    "กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮะัาำิีึืุูเแโใไ่้๊๋์ๆ๏๐๑๒",
    "日本語中文字漢韓國의한국어ひらがなカタカナーゝゞヽヾ々〆〇〻、。「」『』【】・ｱｲｳﾞﾟＡＢＣａｂｃ０１２！？＿",
    "ⅠⅡⅢⅣⅤⅰⅱⅲⅳⅴ①②③⑴⑵⒜ⓐⓏ¹²³⁴⁰₀₁₂½¼¾ªº°µ€£¥©®™℃℉ℓ№ℌℍﬀﬁﬂﬃﬄﬅﬆ",
    "\u0300\u0301\u0302\u0303\u0308\u0327\u0345\u034f\u200b\u200c\u200d\u2060\ufeff\u00ad\u2019'.:^`\u00b7\u02b0\u02bc\u1d2c\u1d62",
    "😀😁❤️\ufe0f👍🏽👨\u200d👩\u200d👧🇫🇷✓✗→←★☆\ufffd\ue000\U000f0000",
    "𐐀𐐁𐐨𐐩𐓀𐓘𞤀𞤢𝐀𝐚𝔄𝔞𝟎𝟏",
]
SEPARATORS = [" ", " ", " ", "  ", "\t", ", ", ". ", "-", "—", "/", "'", "’", "\u00a0", "\u3000", "\u2028"]


def make_multilingual_documents(n_docs, seed):
    rng = random.Random(seed)
    docs = []
    for _ in range(n_docs):
        parts = []
        for _ in range(rng.randint(0, 40)):
            alphabet = rng.choice(ALPHABETS) if rng.random() < 0.7 else "".join(ALPHABETS)
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))))
            parts.append(rng.choice(SEPARATORS))
        doc = "".join(parts)
        if rng.random() < 0.3:
            doc = doc.upper()
        docs.append(doc)
    return docs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_multilingual_text(seed):
    docs = make_multilingual_documents(400, seed)
    assert_same_counts(docs, [f"doc {i}" for i in range(len(docs))])
    # The whole pipeline too, with tf-idf weighting and document-frequency cuts.
    vec = strata.Vectorizer(weighting="tfidf", min_df=2, max_df=0.9)
    X = vec.fit_transform(docs)
    ref = TfidfVectorizer(min_df=2, max_df=0.9)
    X_ref = ref.fit_transform(docs)
    assert list(vec.get_feature_names_out()) == list(ref.get_feature_names_out())
    diff = (X - X_ref).tocsr()
    assert (abs(diff).max() if diff.nnz else 0.0) <= 1e-12
    assert X.nnz == X_ref.nnz


def test_invalid_utf8_bytes_in_a_file_are_separators(tmp_path):
    # Python cannot decode these lines strictly; strata treats each bad byte as a
    # separator, which gives the tokens of scikit-learn with decode_error="replace"
    # (U+FFFD is not a word character).
    lines = [b"ab\xffcd caf\xc3\xa9", b"x\xe2\x82yz \xe2\x82\xac\xe2\x82\xacuro", b"ov\xc0\xafer \xed\xa0\x80sur",
             b"big\xf4\x90\x80\x80cp \xce\xa3\xff\xce\x91\xce\xa3\xff", b"\x80\x80\xc3\x89T\xc3\x89"]
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    corpus = strata.load_corpus(path, format="lines", weighting="count")
    ref = CountVectorizer(decode_error="replace")
    X_ref = ref.fit_transform(lines)
    assert list(corpus.vocabulary) == list(ref.get_feature_names_out())
    assert (corpus.matrix != X_ref).nnz == 0
