#!/usr/bin/python3
"""Generate src/text/unicode_tables.cpp from the running Python's Unicode database.

strata's tokenizer must equal scikit-learn's default analyzer, which is
``doc.lower()`` followed by ``re.findall(r"(?u)\\b\\w\\w+\\b", doc)``.  The
character properties that involves are taken here from the behaviour of the
interpreter itself (the ground truth), not from unicodedata categories:

* word characters: every code point ``ch`` with ``re.match(r"\\w", ch)``;
* lowercase mapping: ``chr(cp).lower()`` for every code point;
* the two properties that ``str.lower()`` consults for U+03A3 (Greek capital
  sigma becomes final sigma U+03C2 at the end of a word): "cased" and
  "case-ignorable", recovered from how ``lower()`` treats ``x + "\\u03a3"``.

Usage (from the repository root, with the interpreter scikit-learn runs on):

    /usr/bin/python3 scripts/gen_unicode_tables.py [-o src/text/unicode_tables.cpp]

Re-run it whenever that interpreter's Unicode version changes; the generated
file records the Python and Unicode versions it came from.
"""
import argparse
import pathlib
import re
import sys
import unicodedata

MAX_CP = 0x10FFFF
SIGMA = "\u03a3"


def code_points():
    for cp in range(MAX_CP + 1):
        if 0xD800 <= cp <= 0xDFFF:  # surrogates never come out of a UTF-8 decoder
            continue
        yield cp


def to_ranges(cps):
    """Sorted code points -> list of [first, last] runs."""
    ranges = []
    for cp in cps:
        if ranges and ranges[-1][1] + 1 == cp:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def word_ranges():
    word = re.compile(r"\w")
    return to_ranges(cp for cp in code_points() if word.match(chr(cp)))


def case_kinds():
    """cp -> 'cased' | 'ignorable' for every code point with one of the two
    properties, as str.lower()'s final-sigma rule (CPython handle_capital_sigma)
    sees them: a code point that is case-ignorable is skipped whether or not it is
    also cased, so 'ignorable' wins.

    For a single code point c:
      (c + SIGMA).lower() ends in final sigma  <=>  c is cased and not ignorable
      ('A' + c + SIGMA).lower() ends in final sigma  <=>  that, or c is ignorable
    """
    kinds = {}
    for cp in code_points():
        c = chr(cp)
        cased = (c + SIGMA).lower()[-1] == "\u03c2"
        via_a = ("A" + c + SIGMA).lower()[-1] == "\u03c2"
        if cased:
            kinds[cp] = "cased"
        elif via_a:
            kinds[cp] = "ignorable"
        # Cross-check the forward half of the rule with the same classes.
        after_end = ("A" + SIGMA + c).lower()[1] == "\u03c2"          # final unless c is cased
        after_cased = ("A" + SIGMA + c + "A").lower()[1] == "\u03c2"  # final only if c is neither
        kind = kinds.get(cp, "other")
        assert after_end == (kind != "cased"), hex(cp)
        assert after_cased == (kind == "other"), hex(cp)
    return kinds


def lower_tables():
    """Returns (runs, specials).

    runs: [first, last, stride, delta] -- every first + k*stride <= last maps to
    itself + delta, and no other code point in [first, last] changes; runs are
    sorted and disjoint.  specials: [(cp, [lowercase code points])] where lower()
    gives more than one code point."""
    singles = []
    specials = []
    for cp in code_points():
        low = chr(cp).lower()
        if low == chr(cp):
            continue
        if len(low) == 1:
            singles.append((cp, ord(low) - cp))
        else:
            specials.append((cp, [ord(x) for x in low]))
    runs = []
    for cp, delta in singles:
        if runs:
            first, last, stride, d = runs[-1]
            if d == delta and stride == 0 and cp - last <= 2:
                runs[-1] = [first, cp, cp - last, d]
                continue
            if d == delta and stride and cp - last == stride:
                runs[-1][1] = cp
                continue
        runs.append([cp, cp, 0, delta])
    for r in runs:
        if r[2] == 0:
            r[2] = 1
    # Self-check: the runs reproduce the mapping exactly, and are disjoint.
    mapping = dict((cp, cp + d) for cp, d in singles)
    covered = {}
    for first, last, stride, delta in runs:
        for cp in range(first, last + 1, stride):
            covered[cp] = cp + delta
    assert covered == mapping
    for a, b in zip(runs, runs[1:]):
        assert a[1] < b[0]
    return runs, specials


def utf8_literal(cps):
    return "".join("\\x%02x" % b for b in "".join(map(chr, cps)).encode("utf-8"))


def fmt_rows(items, per_line):
    lines = []
    for i in range(0, len(items), per_line):
        lines.append("    " + " ".join(items[i:i + per_line]))
    return "\n".join(lines)


def generate():
    words = word_ranges()
    kinds = case_kinds()
    runs, specials = lower_tables()
    kind_ranges = []
    for cp in sorted(kinds):
        k = kinds[cp]
        if kind_ranges and kind_ranges[-1][1] + 1 == cp and kind_ranges[-1][2] == k:
            kind_ranges[-1][1] = cp
        else:
            kind_ranges.append([cp, cp, k])
    assert max(len(c) for _, c in specials) <= 3
    # The tokenizer relies on this: ASCII lowercases to ASCII by +32, like str.lower().
    for cp in range(128):
        assert ord(chr(cp).lower()) == (cp + 32 if 65 <= cp <= 90 else cp)

    special_rows = fmt_rows(['{0x%X, %d, {%s}, "%s"},' % (cp, len(l), ", ".join("0x%X" % x for x in l),
                                                        utf8_literal(l)) for cp, l in specials], 1)
    word_rows = fmt_rows(["{0x%X, 0x%X}," % (a, b) for a, b in words], 5)
    kind_rows = fmt_rows(["{0x%X, 0x%X, CaseKind::%s}," % (a, b, k) for a, b, k in kind_ranges], 3)
    run_rows = fmt_rows(["{0x%X, 0x%X, %d, %d}," % tuple(r) for r in runs], 4)
    version = unicodedata.unidata_version
    py = "%d.%d.%d" % sys.version_info[:3]
    out = []
    out.append(f"""// GENERATED FILE -- do not edit by hand.
// Generated by scripts/gen_unicode_tables.py with Python {py}, Unicode {version}
// (unicodedata.unidata_version):
//     /usr/bin/python3 scripts/gen_unicode_tables.py -o src/text/unicode_tables.cpp
// Word characters are the code points where re.match(r"\\w", ch) succeeds; the
// lowercase mapping is chr(cp).lower(); the cased / case-ignorable classes are
// those str.lower() uses for Greek final sigma.
#include "unicode_tables.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

namespace strata::detail::unicode {{

const char* const kUnicodeVersion = "{version}";

namespace {{

struct Range {{
  std::uint32_t first, last;
}};

// Code points matched by Python's \\w (str mode), as sorted disjoint ranges.
constexpr Range kWordRanges[] = {{
{word_rows}
}};

struct KindRange {{
  std::uint32_t first, last;
  CaseKind kind;
}};

// Cased and case-ignorable code points (everything else is CaseKind::other).
constexpr KindRange kCaseKinds[] = {{
{kind_rows}
}};

struct LowerRun {{
  std::uint32_t first, last;
  std::uint32_t stride;
  std::int32_t delta;
}};

// Single code point lowercase mappings: first + k*stride (<= last) -> + delta.
constexpr LowerRun kLowerRuns[] = {{
{run_rows}
}};

struct LowerSpecial {{
  std::uint32_t cp;
  std::uint32_t count;
  std::uint32_t lower[3];
  const char* utf8;
}};

// Code points whose lowercase is several code points.
constexpr LowerSpecial kLowerSpecials[] = {{
{special_rows}
}};

template <class T, std::size_t N>
const T* find_range(const T (&table)[N], std::uint32_t cp) {{
  // Last range whose first <= cp.
  const T* it = std::upper_bound(std::begin(table), std::end(table), cp,
                                 [](std::uint32_t c, const T& r) {{ return c < r.first; }});
  if (it == std::begin(table)) return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}}

// Fast path for the Basic Multilingual Plane: one bit per code point, built at
// compile time from the range tables above (8 KiB each).
constexpr std::uint32_t kBmpSize = 0x10000;
using BmpBits = std::array<std::uint64_t, kBmpSize / 64>;

constexpr void set_bits(BmpBits& bits, std::uint32_t first, std::uint32_t last, std::uint32_t stride) {{
  for (std::uint32_t cp = first; cp <= last && cp < kBmpSize; cp += stride) {{
    bits[cp >> 6] |= std::uint64_t{{1}} << (cp & 63);
  }}
}}

constexpr BmpBits make_word_bits() {{
  BmpBits bits{{}};
  for (const Range& r : kWordRanges) set_bits(bits, r.first, r.last, 1);
  return bits;
}}

// Code points that lower() changes.
constexpr BmpBits make_lower_bits() {{
  BmpBits bits{{}};
  for (const LowerRun& r : kLowerRuns) set_bits(bits, r.first, r.last, r.stride);
  for (const LowerSpecial& s : kLowerSpecials) set_bits(bits, s.cp, s.cp, 1);
  return bits;
}}

constexpr BmpBits kWordBits = make_word_bits();
constexpr BmpBits kLowerBits = make_lower_bits();

constexpr bool test_bit(const BmpBits& bits, std::uint32_t cp) {{ return (bits[cp >> 6] >> (cp & 63)) & 1; }}

}}  // namespace

bool is_word_char(std::uint32_t cp) {{
  if (cp < kBmpSize) return test_bit(kWordBits, cp);
  return find_range(kWordRanges, cp) != nullptr;
}}

CaseKind case_kind(std::uint32_t cp) {{
  const KindRange* r = find_range(kCaseKinds, cp);
  return r ? r->kind : CaseKind::other;
}}

std::size_t to_lower(std::uint32_t cp, std::uint32_t out[kMaxLowerLength]) {{
  if (cp < kBmpSize && !test_bit(kLowerBits, cp)) {{
    out[0] = cp;
    return 1;
  }}
  if (const LowerRun* r = find_range(kLowerRuns, cp); r && (cp - r->first) % r->stride == 0) {{
    out[0] = static_cast<std::uint32_t>(static_cast<std::int32_t>(cp) + r->delta);
    return 1;
  }}
  for (const LowerSpecial& s : kLowerSpecials) {{
    if (s.cp == cp) {{
      std::copy(s.lower, s.lower + s.count, out);
      return s.count;
    }}
  }}
  out[0] = cp;
  return 1;
}}

void append_utf8(std::string& out, std::uint32_t cp) {{
  if (cp < 0x80) {{
    out.push_back(static_cast<char>(cp));
  }} else if (cp < 0x800) {{
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }} else if (cp < 0x10000) {{
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }} else {{
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }}
}}

void append_lower_utf8(std::uint32_t cp, std::string& out) {{
  for (const LowerSpecial& s : kLowerSpecials) {{
    if (s.cp == cp) {{
      out += s.utf8;
      return;
    }}
  }}
  std::uint32_t low[kMaxLowerLength];
  const std::size_t n = to_lower(cp, low);
  for (std::size_t k = 0; k < n; ++k) append_utf8(out, low[k]);
}}

}}  // namespace strata::detail::unicode
""")
    stats = dict(word_ranges=len(words), case_kind_ranges=len(kind_ranges), lower_runs=len(runs),
                 lower_specials=len(specials), unicode=version)
    return "".join(out), stats


def main():
    root = pathlib.Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=str(root / "src" / "text" / "unicode_tables.cpp"))
    args = ap.parse_args()
    text, stats = generate()
    pathlib.Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: " + ", ".join(f"{k}={v}" for k, v in stats.items()))


if __name__ == "__main__":
    main()
