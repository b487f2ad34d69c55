#include "strata/nn/language_model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "dense_layers.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/text/tokenizer.hpp"

namespace strata::nn {

TokenStream build_token_stream(const std::function<void(const std::function<void(std::string_view)>&)>& for_each_text,
                               const TokenStreamOptions& options) {
  require_argument(options.min_count >= 1, "min_count", ">= 1", std::to_string(options.min_count));
  require_argument(options.max_vocabulary >= 0, "max_vocabulary", ">= 0 (0 = no limit)",
                   std::to_string(options.max_vocabulary));
  // One pass: every token gets a provisional id in order of first sight.
  std::unordered_map<std::string, ColIndex> seen;
  std::vector<std::string> words;
  std::vector<long long> counts;
  std::vector<ColIndex> provisional;
  std::vector<Index> doc_starts{0};
  std::string scratch;
  for_each_text([&](std::string_view text) {
    tokenize(text, scratch, [&](std::string_view token) {
      auto [it, inserted] = seen.try_emplace(std::string(token), static_cast<ColIndex>(words.size()));
      if (inserted) {
        words.emplace_back(token);
        counts.push_back(0);
      }
      ++counts[it->second];
      provisional.push_back(it->second);
    });
    doc_starts.push_back(static_cast<Index>(provisional.size()));
  });
  // The vocabulary: frequent enough, most frequent first, ties alphabetical.
  std::vector<ColIndex> kept;
  for (std::size_t w = 0; w < words.size(); ++w)
    if (counts[w] >= options.min_count) kept.push_back(static_cast<ColIndex>(w));
  std::sort(kept.begin(), kept.end(), [&](ColIndex x, ColIndex y) {
    return counts[x] != counts[y] ? counts[x] > counts[y] : words[x] < words[y];
  });
  if (options.max_vocabulary > 0 && static_cast<long long>(kept.size()) > options.max_vocabulary)
    kept.resize(static_cast<std::size_t>(options.max_vocabulary));
  std::vector<ColIndex> final_id(words.size(), -1);
  TokenStream out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    final_id[kept[i]] = static_cast<ColIndex>(i);
    out.vocabulary.push_back(words[kept[i]]);
    out.counts.push_back(counts[kept[i]]);
  }
  out.doc_starts.push_back(0);
  for (std::size_t doc = 0; doc + 1 < doc_starts.size(); ++doc) {
    for (Index p = doc_starts[doc]; p < doc_starts[doc + 1]; ++p) {
      const ColIndex id = final_id[provisional[p]];
      if (id >= 0)
        out.tokens.push_back(id);
      else
        ++out.dropped;
    }
    out.doc_starts.push_back(static_cast<Index>(out.tokens.size()));
  }
  return out;
}

TokenStream read_token_stream(const std::string& path, const TextSourceOptions& source,
                              const TokenStreamOptions& options) {
  return build_token_stream(
      [&](const std::function<void(std::string_view)>& emit) {
        read_documents(path, source, [&](const Document& doc) { emit(doc.text); });
      },
      options);
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <class S>
LanguageModelResult train(const TokenStream& stream, const LanguageModelOptions& o) {
  const int threads = resolve_threads(o.threads);
  const Index V = static_cast<Index>(stream.vocabulary.size()), C = o.context, e = o.dim, Hn = o.hidden;
  Random rng(o.seed);
  // Small embeddings (uniform in +-0.5/e, word2vec's choice) so that what a
  // word learns, even from few occurrences, outweighs its random start;
  // hidden and output layers Glorot.
  RowMatrix<S> E = detail::uniform_init<S>(V, e, rng, 0.5 / double(e));
  RowMatrix<S> W1 = detail::glorot_init<S>(C * e, Hn, rng);
  ColVector<S> b1 = ColVector<S>::Zero(Hn);
  OutputLayerOptions lo;
  lo.loss = o.loss;
  lo.threads = threads;
  lo.stabilize_every = o.stabilize_every;
  auto output = make_output_layer<S>(o.output_update, detail::glorot_init<S>(V, Hn, rng), lo);

  // Examples: every token preceded by C tokens of its document.
  std::vector<Index> targets;
  for (std::size_t doc = 0; doc + 1 < stream.doc_starts.size(); ++doc)
    for (Index t = stream.doc_starts[doc] + C; t < stream.doc_starts[doc + 1]; ++t) targets.push_back(t);
  require_argument(!targets.empty(), "token stream", "a document with more than `context` (" +
                                                         std::to_string(C) + ") vocabulary tokens",
                   "none");

  LanguageModelResult res;
  res.examples = static_cast<long long>(targets.size());
  const S eta = static_cast<S>(o.learning_rate);
  const std::size_t m_max = static_cast<std::size_t>(o.batch_size);
  RowMatrix<S> Xc, A, grad_H;
  CsrMatrix<S> Y;
  Y.cols = V;
  ColumnGroups groups;
  std::vector<Index> ctx_indptr;
  std::vector<ColIndex> ctx_words;
  double batch_seconds = 0.0, output_seconds = 0.0;
  detail::LossTrace trace;
  const auto t_start = Clock::now();
  bool stop = false;
  for (int epoch = 1; epoch <= o.epochs && !stop; ++epoch) {
    rng.shuffle(targets);
    double epoch_loss = 0.0;
    long long epoch_examples = 0;
    for (std::size_t begin = 0; begin < targets.size(); begin += m_max) {
      if (o.max_batches > 0 && res.batches >= o.max_batches) {
        stop = true;
        break;
      }
      const Index m = static_cast<Index>(std::min(targets.size(), begin + m_max) - begin);
      // The minibatch: context words (m rows of C) and one-hot next words.
      ctx_indptr.assign(1, 0);
      ctx_words.clear();
      Y.rows = m;
      Y.indptr.assign(1, 0);
      Y.indices.clear();
      Y.data.clear();
      for (Index j = 0; j < m; ++j) {
        const Index t = targets[begin + j];
        for (Index c = 0; c < C; ++c) ctx_words.push_back(stream.tokens[t - C + c]);
        ctx_indptr.push_back(static_cast<Index>(ctx_words.size()));
        Y.indices.push_back(stream.tokens[t]);
        Y.data.push_back(S(1));
        Y.indptr.push_back(j + 1);
      }
      const auto t_batch = Clock::now();
      // Forward: x_j = [E(w_1) ... E(w_C)], A = f(X W_1 + b_1).
      Xc.resize(m, C * e);
      for (Index j = 0; j < m; ++j)
        for (Index c = 0; c < C; ++c) Xc.row(j).segment(c * e, e) = E.row(ctx_words[j * C + c]);
      A.noalias() = Xc * W1;
      A.rowwise() += b1.transpose();
      detail::activate(A, o.activation);
      const auto t_out = Clock::now();
      const OutputStepStats st = output->step(A, Y.view(), eta, &grad_H);
      output_seconds += since(t_out);
      // Backward through the hidden layer (old W_1 for dL/dX), then the
      // embedding rows of the context words, grouped by word.
      RowMatrix<S> delta = grad_H;
      detail::times_derivative(delta, A, o.activation);
      const RowMatrix<S> grad_X = delta * W1.transpose();
      W1.noalias() -= eta * (Xc.transpose() * delta);
      b1.noalias() -= eta * delta.colwise().sum().transpose();
      groups.build(ctx_indptr.data(), ctx_words.data(), m);
      const Index ng = groups.size();
      const int tg = static_cast<int>(
          std::min<Index>(std::max<Index>(1, ng / 64), threads_for(threads, double(m) * C * e)));
#pragma omp parallel for num_threads(tg) schedule(static)
      for (Index g = 0; g < ng; ++g) {
        auto Ek = E.row(groups.cols[g]);
        for (Index q = groups.start[g]; q < groups.start[g + 1]; ++q) {
          const Index p = groups.pos[q];  // = j * C + c
          Ek.noalias() -= eta * grad_X.row(p / C).segment((p % C) * e, e);
        }
      }
      batch_seconds += since(t_batch);
      ++res.batches;
      epoch_loss += st.loss;
      epoch_examples += m;
      trace.add(st.loss, double(m));  // one-hot targets: ||y||^2 = 1 per example
      detail::check_finite_loss(st.loss, o.learning_rate, res.batches);
    }
    if (epoch_examples == 0) break;
    res.loss = epoch_loss / double(epoch_examples);
    res.history.push_back({epoch, since(t_start), res.loss, std::nan("")});
    if (!report_iteration(o.progress, "lm", epoch, o.epochs, res.loss, since(t_start))) {
      res.interrupted = true;
      stop = true;
    }
  }
  res.seconds = since(t_start);
  res.progress = trace.progress();
  res.status = res.interrupted                               ? TrainingStatus::Interrupted
               : trace.size() < 2 || res.progress.fell() ? TrainingStatus::Finished
                                                           : TrainingStatus::NotLearning;
  if (res.batches > 0) {
    res.seconds_per_batch = batch_seconds / double(res.batches);
    res.output_seconds_per_batch = output_seconds / double(res.batches);
  }
  if (auto* f = dynamic_cast<FactoredOutputLayer<S>*>(output.get())) res.stabilization = f->stabilization();
  res.embeddings = E.template cast<double>();
  return res;
}

}  // namespace

LanguageModelResult train_language_model(const TokenStream& stream, const LanguageModelOptions& o) {
  require_argument(o.context >= 1, "context", ">= 1", std::to_string(o.context));
  require_argument(o.dim >= 1, "dim", ">= 1", std::to_string(o.dim));
  require_argument(o.hidden >= 1, "hidden", ">= 1", std::to_string(o.hidden));
  require_argument(o.batch_size >= 1, "batch_size", ">= 1", std::to_string(o.batch_size));
  require_argument(o.epochs >= 1, "epochs", ">= 1", std::to_string(o.epochs));
  require_argument(o.max_batches >= 0, "max_batches", ">= 0 (0 = no limit)", std::to_string(o.max_batches));
  require_argument(o.learning_rate >= 0 && std::isfinite(o.learning_rate), "learning_rate", ">= 0 (0: no update)",
                   std::to_string(o.learning_rate));
  require_argument(o.stabilize_every >= 1, "stabilize_every", ">= 1", std::to_string(o.stabilize_every));
  require_argument(stream.vocabulary.size() >= 2, "vocabulary", "at least 2 words (lower min_count?)",
                   std::to_string(stream.vocabulary.size()));
  require_argument(!stream.doc_starts.empty() && stream.doc_starts.back() == Index(stream.tokens.size()),
                   "token stream", "doc_starts ending at the number of tokens", "inconsistent offsets");
  for (ColIndex t : stream.tokens)
    require_argument(t >= 0 && t < static_cast<ColIndex>(stream.vocabulary.size()), "token stream",
                     "ids in [0, vocabulary size)", std::to_string(t));
  return o.dtype == Dtype::Float32 ? train<float>(stream, o) : train<double>(stream, o);
}

}  // namespace strata::nn
