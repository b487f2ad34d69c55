#pragma once
/// @file A neural language model over a very large vocabulary with the exact
/// factored output layer (Bengio et al. 2003 network; Vincent, de Brebisson &
/// Bouthillier, NIPS 2015; SPEC 3.6):
///     C previous words -> their embeddings (shared table E, V x e),
///     concatenated -> h = f(W_1^T x + b_1) (H units) -> o = W h (V outputs),
/// trained by plain minibatch SGD on a spherical-family loss of the next word
/// (a one-hot target, so K = 1 and the factored output layer costs O(H^2)
/// per example instead of O(V H)).
///
/// Tokens: the vectorizer's tokenizer (text/tokenizer.hpp: lowercase, runs of
/// two or more word characters). The vocabulary is the words seen at least
/// `min_count` times, at most the `max_vocabulary` most frequent; the other
/// words are dropped from the stream (word2vec's convention), so a context
/// spans them. Contexts never cross documents: the first C tokens of a
/// document are context only.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/nn/output_layer.hpp"
#include "strata/nn/sparse_autoencoder.hpp"
#include "strata/text/document_reader.hpp"

namespace strata::nn {

struct TokenStreamOptions {
  long long min_count = 5;       ///< words seen fewer times are dropped
  long long max_vocabulary = 0;  ///< keep at most this many most frequent words; 0 = no limit
};

/// Documents as vocabulary ids.
struct TokenStream {
  std::vector<std::string> vocabulary;  ///< id -> word, by decreasing count (ties alphabetical)
  std::vector<long long> counts;        ///< occurrences of each vocabulary word
  std::vector<ColIndex> tokens;         ///< the in-vocabulary tokens of all documents, in order
  std::vector<Index> doc_starts;        ///< documents + 1 offsets into `tokens`
  long long dropped = 0;                ///< tokens outside the vocabulary
};

/// Tokenizes the documents that `for_each_text` delivers (it calls its
/// argument once per document) and builds the vocabulary.
TokenStream build_token_stream(const std::function<void(const std::function<void(std::string_view)>&)>& for_each_text,
                               const TokenStreamOptions& options);
/// The token stream of a text collection (text/document_reader.hpp formats).
TokenStream read_token_stream(const std::string& path, const TextSourceOptions& source,
                              const TokenStreamOptions& options);

struct LanguageModelOptions {
  int context = 4;                      ///< C: previous words that predict the next
  int dim = 64;                         ///< e: embedding width
  int hidden = 128;                     ///< H: hidden units, the output layer's input
  OutputLossOptions loss = taylor();    ///< next-word loss (spherical family)
  OutputUpdate output_update = OutputUpdate::Factored;
  Activation activation = Activation::Tanh;
  int batch_size = 128;                 ///< examples (next words) per minibatch
  int epochs = 1;                       ///< passes over the examples
  long long max_batches = 0;            ///< stop after this many minibatches in all; 0 = no limit
  double learning_rate = 0.05;          ///< SGD step on the minibatch's summed loss
  Dtype dtype = Dtype::Float32;
  int stabilize_every = 100;            ///< factored output layer: most updates between SVD checks of U
  std::uint64_t seed = 0;               ///< initialization and example order
  int threads = 0;                      ///< 0 = all cores
  ProgressCallback progress;            ///< called once per epoch

  static OutputLossOptions taylor() {
    OutputLossOptions l;
    l.kind = OutputLoss::TaylorSoftmax;
    return l;
  }
};

struct LanguageModelResult {
  DenseMatrix embeddings;              ///< V x e, row i = vocabulary[i]
  std::vector<HistoryEntry> history;   ///< per epoch: loss = mean loss per predicted word
  long long batches = 0;
  long long examples = 0;              ///< predicted words per epoch
  double seconds = 0.0;                ///< training time
  double seconds_per_batch = 0.0;      ///< mean wall time of a minibatch: forward + backward + update
  double output_seconds_per_batch = 0.0;  ///< of which the output layer
  double loss = 0.0;                   ///< mean loss per predicted word over the last epoch
  TrainingProgress progress;           ///< mean loss per word of the first and last minibatches
  StabilizationStats stabilization;    ///< factored output layer only
  bool interrupted = false;
  TrainingStatus status = TrainingStatus::Finished;  ///< NotLearning when !progress.fell()
};

/// Trains on `stream` (at least 2 vocabulary words and one document longer
/// than the context). Throws ArgumentError for invalid options or a stream
/// with nothing to predict.
LanguageModelResult train_language_model(const TokenStream& stream, const LanguageModelOptions& options);

}  // namespace strata::nn
