#include "strata/text/vectorizer.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_set>

#include "strata/core/error.hpp"
#include "strata/text/stop_words.hpp"
#include "strata/text/tokenizer.hpp"

namespace strata {
namespace {

/// Open-addressing hash table from token text to a dense term id. Term text is
/// stored once in `terms`; the table holds ids only.
class TermTable {
 public:
  TermTable() : slots_(1024, -1) {}

  /// Returns the id of `token`, inserting it if new (`inserted` tells).
  std::int32_t find_or_insert(std::string_view token, bool& inserted) {
    const std::uint64_t h = std::hash<std::string_view>{}(token);
    std::size_t mask = slots_.size() - 1;
    std::size_t s = h & mask;
    while (true) {
      const std::int32_t id = slots_[s];
      if (id < 0) break;
      if (hashes_[id] == h && terms_[id] == token) {
        inserted = false;
        return id;
      }
      s = (s + 1) & mask;
    }
    const auto id = static_cast<std::int32_t>(terms_.size());
    terms_.emplace_back(token);
    hashes_.push_back(h);
    slots_[s] = id;
    inserted = true;
    if (terms_.size() * 2 > slots_.size()) grow();
    return id;
  }
  /// Returns the id of `token`, or -1.
  std::int32_t find(std::string_view token) const {
    const std::uint64_t h = std::hash<std::string_view>{}(token);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t s = h & mask;; s = (s + 1) & mask) {
      const std::int32_t id = slots_[s];
      if (id < 0) return -1;
      if (hashes_[id] == h && terms_[id] == token) return id;
    }
  }
  const std::string& term(std::int32_t id) const { return terms_[id]; }
  std::size_t size() const { return terms_.size(); }

 private:
  void grow() {
    slots_.assign(slots_.size() * 2, -1);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t id = 0; id < terms_.size(); ++id) {
      std::size_t s = hashes_[id] & mask;
      while (slots_[s] >= 0) s = (s + 1) & mask;
      slots_[s] = static_cast<std::int32_t>(id);
    }
  }
  std::vector<std::int32_t> slots_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::string> terms_;
};

/// Open-addressing counter keyed by a pair of term ids.
class PairCounter {
 public:
  PairCounter() : keys_(1 << 16, kEmpty), counts_(1 << 16, 0) {}
  void add(std::uint32_t a, std::uint32_t b) {
    const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32) | b;
    std::size_t mask = keys_.size() - 1;
    std::size_t s = mix(key) & mask;
    while (keys_[s] != kEmpty && keys_[s] != key) s = (s + 1) & mask;
    if (keys_[s] == kEmpty) {
      keys_[s] = key;
      if (++size_ * 2 > keys_.size()) {
        counts_[s] += 1;
        grow();
        return;
      }
    }
    counts_[s] += 1;
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t s = 0; s < keys_.size(); ++s)
      if (keys_[s] != kEmpty) f(static_cast<std::uint32_t>(keys_[s] >> 32), static_cast<std::uint32_t>(keys_[s]), counts_[s]);
  }

 private:
  static constexpr std::uint64_t kEmpty = ~0ull;
  static std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  }
  void grow() {
    std::vector<std::uint64_t> old_keys(keys_.size() * 2, kEmpty);
    std::vector<std::uint64_t> old_counts(counts_.size() * 2, 0);
    old_keys.swap(keys_);
    old_counts.swap(counts_);
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t s = 0; s < old_keys.size(); ++s) {
      if (old_keys[s] == kEmpty) continue;
      std::size_t t = mix(old_keys[s]) & mask;
      while (keys_[t] != kEmpty) t = (t + 1) & mask;
      keys_[t] = old_keys[s];
      counts_[t] = old_counts[s];
    }
  }
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> counts_;
  std::size_t size_ = 0;
};

}  // namespace

Weighting parse_weighting(const std::string& name) {
  if (name == "count") return Weighting::Count;
  if (name == "binary") return Weighting::Binary;
  if (name == "tf") return Weighting::Tf;
  if (name == "tfidf") return Weighting::TfIdf;
  throw ArgumentError("weighting must be one of count, binary, tf, tfidf (got '" + name + "')");
}

std::string to_string(Weighting w) {
  switch (w) {
    case Weighting::Count: return "count";
    case Weighting::Binary: return "binary";
    case Weighting::Tf: return "tf";
    case Weighting::TfIdf: return "tfidf";
  }
  return "unknown";
}

Norm parse_norm(const std::string& name) {
  if (name == "l2") return Norm::L2;
  if (name == "l1") return Norm::L1;
  if (name == "none") return Norm::None;
  if (name == "default" || name.empty()) return Norm::Default;
  throw ArgumentError("norm must be one of l2, l1, none (got '" + name + "')");
}

DocumentFrequency DocumentFrequency::parse(const std::string& text, const std::string& name) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v) || v < 0)
    throw ArgumentError(name + " must be a document count (e.g. 5) or a fraction in [0, 1] (e.g. 0.5) (got '" +
                        text + "')");
  // As scikit-learn: an integer is a count, a float (written with a '.' or exponent) a fraction.
  const bool fraction = text.find_first_of(".eE") != std::string::npos;
  if (fraction && v > 1.0)
    throw ArgumentError(name + " as a fraction must be in [0, 1] (got '" + text + "')");
  if (!fraction && v != std::floor(v)) throw ArgumentError(name + " count must be an integer (got '" + text + "')");
  return DocumentFrequency{v, fraction};
}

struct Vectorizer::Impl {
  VectorizerOptions options;
  std::unordered_set<std::string> stop_words;
  TermTable table;
  std::vector<std::uint8_t> is_stop;       // per term id
  std::vector<std::int64_t> last_doc;      // per term id: last document it occurred in
  std::vector<std::int32_t> slot_in_row;   // per term id: position in the current row
  std::vector<std::int64_t> df;            // per term id: documents containing it
  std::vector<double> total;               // per term id: total count over the corpus
  std::vector<Index> indptr{0};
  std::vector<std::int32_t> ids;           // raw term ids, per document in first-seen order
  std::vector<std::uint32_t> counts;
  std::vector<std::string> labels, doc_ids;
  bool any_label = false, any_id = false;
  std::string scratch;
  std::vector<std::int32_t> stream;        // the current document's token ids (window > 0)
  PairCounter pairs;
  // Fixed-vocabulary mode (transforming new documents): ids 0..V-1 are the
  // given vocabulary, unknown tokens are dropped and idf is given.
  bool fixed = false;
  std::vector<double> fixed_idf;

  std::int64_t n_docs() const { return static_cast<std::int64_t>(indptr.size()) - 1; }

  void add(std::string_view text, std::string_view label, std::string_view id) {
    const std::int64_t doc = n_docs();
    const std::size_t row_start = ids.size();
    stream.clear();
    tokenize(text, scratch, [&](std::string_view token) {
      bool inserted = false;
      const std::int32_t t = fixed ? table.find(token) : table.find_or_insert(token, inserted);
      if (t < 0) return;
      if (inserted) {
        is_stop.push_back(stop_words.count(std::string(token)) > 0);
        last_doc.push_back(-1);
        slot_in_row.push_back(0);
        df.push_back(0);
        total.push_back(0.0);
      }
      if (is_stop[t]) return;
      if (options.window > 0) stream.push_back(t);
      if (last_doc[t] != doc) {
        last_doc[t] = doc;
        slot_in_row[t] = static_cast<std::int32_t>(ids.size() - row_start);
        ids.push_back(t);
        counts.push_back(1);
      } else {
        ++counts[row_start + slot_in_row[t]];
      }
    });
    for (std::size_t p = row_start; p < ids.size(); ++p) {
      ++df[ids[p]];
      total[ids[p]] += options.weighting == Weighting::Binary ? 1.0 : counts[p];
    }
    indptr.push_back(static_cast<Index>(ids.size()));
    const int w = options.window;
    for (std::size_t i = 0; i < stream.size(); ++i)
      for (std::size_t j = i + 1; j < stream.size() && j <= i + static_cast<std::size_t>(w); ++j) {
        pairs.add(stream[i], stream[j]);
        pairs.add(stream[j], stream[i]);
      }
    labels.emplace_back(label);
    doc_ids.emplace_back(id);
    any_label |= !label.empty();
    any_id |= !id.empty();
  }

  Corpus finish(const std::string& source) {
    if (fixed) {
      std::vector<std::int32_t> all(table.size());
      std::iota(all.begin(), all.end(), 0);
      return build(all);
    }
    const std::int64_t n = n_docs();
    // Checked first: with no documents, min_df and max_df have nothing to count.
    if (n == 0) throw InputError(source, "no documents (the input is empty)");
    const double max_count = options.max_df.is_fraction ? options.max_df.value * n : options.max_df.value;
    const double min_count = options.min_df.is_fraction ? options.min_df.value * n : options.min_df.value;
    if (max_count < min_count)
      throw ArgumentError("max_df corresponds to < documents than min_df (max_df " +
                          std::to_string(max_count) + " documents, min_df " + std::to_string(min_count) + ")");
    const std::size_t n_terms = table.size();
    std::vector<std::int32_t> kept;
    std::size_t non_stop = 0;
    for (std::size_t t = 0; t < n_terms; ++t) {
      if (is_stop[t] || df[t] == 0) continue;
      ++non_stop;
      if (df[t] <= max_count && df[t] >= min_count) kept.push_back(static_cast<std::int32_t>(t));
    }
    if (non_stop == 0)
      throw InputError(source, "empty vocabulary; perhaps the documents only contain stop words");
    auto alphabetical = [&](std::int32_t a, std::int32_t b) { return table.term(a) < table.term(b); };
    std::sort(kept.begin(), kept.end(), alphabetical);
    if (options.max_features > 0 && kept.size() > static_cast<std::size_t>(options.max_features)) {
      std::stable_sort(kept.begin(), kept.end(), [&](std::int32_t a, std::int32_t b) { return total[a] > total[b]; });
      kept.resize(static_cast<std::size_t>(options.max_features));
      std::sort(kept.begin(), kept.end(), alphabetical);
    }
    if (kept.empty())
      throw InputError(source, "after pruning, no terms remain; try a lower min_df or a higher max_df");
    return build(kept);
  }

  // Builds the corpus from the kept raw term ids (in final column order).
  Corpus build(const std::vector<std::int32_t>& kept) {
    const std::int64_t n = n_docs();
    const std::size_t n_terms = table.size();
    std::vector<std::int32_t> new_id(n_terms, -1);
    for (std::size_t j = 0; j < kept.size(); ++j) new_id[kept[j]] = static_cast<std::int32_t>(j);

    Corpus corpus;
    SparseMatrix& m = corpus.matrix;
    m.rows = n;
    m.cols = static_cast<Index>(kept.size());
    m.indptr.assign(static_cast<std::size_t>(n) + 1, 0);
    m.indices.reserve(ids.size());
    m.data.reserve(ids.size());
    std::vector<std::pair<std::int32_t, std::uint32_t>> row;
    for (std::int64_t i = 0; i < n; ++i) {
      row.clear();
      for (Index p = indptr[i]; p < indptr[i + 1]; ++p)
        if (new_id[ids[p]] >= 0) row.emplace_back(new_id[ids[p]], counts[p]);
      std::sort(row.begin(), row.end());
      for (const auto& [j, c] : row) {
        m.indices.push_back(j);
        m.data.push_back(static_cast<double>(c));
      }
      m.indptr[i + 1] = static_cast<Index>(m.indices.size());
    }
    // Free the raw counts before weighting: peak memory stays near one matrix.
    std::vector<std::int32_t>().swap(ids);
    std::vector<std::uint32_t>().swap(counts);

    corpus.idf = compute_idf(kept);
    apply_weighting(m, corpus.idf);
    corpus.vocabulary.reserve(kept.size());
    for (std::int32_t t : kept) corpus.vocabulary.push_back(table.term(t));
    if (any_label) corpus.labels = labels;
    if (any_id) corpus.doc_ids = doc_ids;
    corpus.weighting = to_string(options.weighting);
    if (options.window > 0) {
      std::vector<Triplet> triplets;
      pairs.for_each([&](std::uint32_t a, std::uint32_t b, std::uint64_t c) {
        if (new_id[a] >= 0 && new_id[b] >= 0) triplets.push_back(Triplet{new_id[a], new_id[b], static_cast<double>(c)});
      });
      corpus.cooccurrence = csr_from_triplets(m.cols, m.cols, std::move(triplets));
      corpus.window = options.window;
    }
    nlohmann::json prov;
    prov["stop_words"] = options.stop_words;
    prov["min_df"] = options.min_df.value;
    prov["max_df"] = options.max_df.value;
    prov["max_features"] = options.max_features;
    prov["sublinear_tf"] = options.sublinear_tf;
    prov["smooth_idf"] = options.smooth_idf;
    prov["window"] = options.window;
    corpus.provenance_json = prov.dump();
    return corpus;
  }

  std::vector<double> compute_idf(const std::vector<std::int32_t>& kept) const {
    if (options.weighting != Weighting::TfIdf) return {};
    if (fixed) return fixed_idf;
    // scikit-learn: idf = log(n / df) + 1 with n and df each incremented when smoothing.
    const double n = static_cast<double>(n_docs()) + (options.smooth_idf ? 1.0 : 0.0);
    std::vector<double> idf(kept.size());
    for (std::size_t j = 0; j < kept.size(); ++j)
      idf[j] = std::log(n / (static_cast<double>(df[kept[j]]) + (options.smooth_idf ? 1.0 : 0.0))) + 1.0;
    return idf;
  }

  void apply_weighting(SparseMatrix& m, const std::vector<double>& idf) const {
    const Weighting w = options.weighting;
    Norm norm = options.norm;
    if (norm == Norm::Default) norm = (w == Weighting::Tf || w == Weighting::TfIdf) ? Norm::L2 : Norm::None;
    if (w == Weighting::Binary) std::fill(m.data.begin(), m.data.end(), 1.0);
    if ((w == Weighting::Tf || w == Weighting::TfIdf) && options.sublinear_tf)
      for (double& v : m.data) v = std::log(v) + 1.0;
    if (w == Weighting::TfIdf) {
      for (std::size_t p = 0; p < m.data.size(); ++p) m.data[p] *= idf[m.indices[p]];
    }
    if (norm == Norm::None) return;
    for (Index i = 0; i < m.rows; ++i) {
      double s = 0.0;
      for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p) s += norm == Norm::L2 ? m.data[p] * m.data[p] : std::abs(m.data[p]);
      if (norm == Norm::L2) s = std::sqrt(s);
      if (s == 0.0) continue;
      for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p) m.data[p] /= s;
    }
  }
};

Vectorizer::Vectorizer(VectorizerOptions options) : impl_(new Impl) {
  require_argument(options.window >= 0, "window", ">= 0", std::to_string(options.window));
  require_argument(options.max_features >= 0, "max_features", ">= 0 (0 keeps all)", std::to_string(options.max_features));
  for (auto& w : resolve_stop_words(options.stop_words)) impl_->stop_words.insert(w);
  impl_->options = std::move(options);
}
Vectorizer::Vectorizer(VectorizerOptions options, const std::vector<std::string>& vocabulary,
                       const std::vector<double>& idf)
    : Vectorizer(std::move(options)) {
  if (impl_->options.weighting == Weighting::TfIdf && idf.size() != vocabulary.size())
    throw ArgumentError("idf must have one entry per vocabulary term (got " + std::to_string(idf.size()) + " for " +
                        std::to_string(vocabulary.size()) + " terms)");
  impl_->fixed = true;
  impl_->fixed_idf = idf;
  for (const auto& term : vocabulary) {
    bool inserted = false;
    impl_->table.find_or_insert(term, inserted);
    if (!inserted) throw ArgumentError("vocabulary has a duplicate term '" + term + "'");
    impl_->is_stop.push_back(0);
    impl_->last_doc.push_back(-1);
    impl_->slot_in_row.push_back(0);
    impl_->df.push_back(0);
    impl_->total.push_back(0.0);
  }
}
Vectorizer::~Vectorizer() { delete impl_; }
Vectorizer::Vectorizer(Vectorizer&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
Vectorizer& Vectorizer::operator=(Vectorizer&& other) noexcept {
  std::swap(impl_, other.impl_);
  return *this;
}
void Vectorizer::add(std::string_view text, std::string_view label, std::string_view id) { impl_->add(text, label, id); }
long long Vectorizer::documents() const { return impl_->n_docs(); }
Corpus Vectorizer::finish(const std::string& source) { return impl_->finish(source); }

namespace {
Vectorizer fitted_vectorizer(const Corpus& fitted, VectorizerOptions options) {
  if (fitted.vocabulary.empty()) throw ArgumentError("the fitted corpus has no vocabulary to transform with");
  if (fitted.weighting != "unknown") options.weighting = parse_weighting(fitted.weighting);
  if (options.weighting == Weighting::TfIdf && fitted.idf.empty())
    throw ArgumentError("the fitted corpus is tf-idf weighted but stores no idf");
  return Vectorizer(std::move(options), fitted.vocabulary, fitted.idf);
}
}  // namespace

Corpus transform_documents(const std::vector<std::string>& documents, const Corpus& fitted,
                           VectorizerOptions options) {
  Vectorizer v = fitted_vectorizer(fitted, std::move(options));
  for (const auto& d : documents) v.add(d);
  return v.finish();
}

Corpus transform_file(const std::string& path, const TextSourceOptions& source, const Corpus& fitted,
                      VectorizerOptions options) {
  Vectorizer v = fitted_vectorizer(fitted, std::move(options));
  read_documents(path, source, [&](const Document& d) { v.add(d.text, d.label, d.id); });
  return v.finish(path);
}

Corpus vectorize(const std::vector<std::string>& documents, const VectorizerOptions& options) {
  Vectorizer v(options);
  for (const auto& d : documents) v.add(d);
  return v.finish();
}

}  // namespace strata

namespace strata {

Corpus vectorize_file(const std::string& path, const TextSourceOptions& source, const VectorizerOptions& options,
                      const ProgressCallback& progress) {
  Vectorizer v(options);
  long long n = 0;
  read_documents(path, source, [&](const Document& d) {
    v.add(d.text, d.label, d.id);
    if (progress && (++n % 4096) == 0) {
      ProgressEvent e;
      e.stage = "vectorize";
      e.done = n;
      progress(e);
    }
  });
  Corpus corpus = v.finish(path);
  nlohmann::json prov = nlohmann::json::parse(corpus.provenance_json);
  prov["source"] = path;
  prov["format"] = to_string(detect_text_format(path, source.format));
  corpus.provenance_json = prov.dump();
  return corpus;
}

}  // namespace strata
