#pragma once
/// @file Hierarchical model directories (`strata hnmf -o DIR`; docs/hnmf.md)
/// and the topic tree that `strata topics DIR` prints.
///
/// Files: W_l.npy (n x k_l), H_l.npy (k_l x terms, layer l's topics T_l),
/// M_l.npy (k_l x k_{l-1}, l >= 1), B.npy (k_L x classes, supervised),
/// classes.txt and predicted_labels.txt (supervised), vocabulary.txt,
/// tree.json, metrics.json (`layers`, `history`) and, last, model.json
/// (kind "hnmf").
#include <string>
#include <vector>

#include "strata/core/corpus.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/solvers/hnmf.hpp"

namespace strata {

/// The topic tree as JSON text: per layer, each topic's top terms, its parent
/// in the next layer (the super-topic that uses it most:
/// argmax_t colsum(W_{l+1})_t M_{l+1}[t, c]) and, from layer 1 on, its
/// sub-topics with weights (the share of the topic's term mass that each
/// sub-topic contributes: M_l[t, c] |T_{l-1}[c]|_1 / |T_l[t]|_1, summing to 1).
std::string hnmf_tree_json(const HnmfResult& result, const std::vector<std::string>& vocabulary, int top);

/// Writes the model directory (see the file comment). `labels` is the
/// encoding the model was fit with (or null).
void save_hnmf_model(const ModelOutput& output, const HnmfResult& result, const HnmfOptions& options,
                     const Corpus& corpus, const SparseView& X, const std::string& input_path,
                     const LabelEncoding* labels, int top);

/// True when `dir` holds a hierarchical model (model.json of kind "hnmf").
bool is_hnmf_model(const std::string& dir);

/// The tree of a hierarchical model directory as indented text: each top
/// topic, then its sub-topics (under their parent, with their weight), down to
/// layer 0; `top` terms per topic (at most those stored in tree.json).
std::string format_topic_tree(const std::string& dir, int top);

}  // namespace strata
