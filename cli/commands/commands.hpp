#pragma once
// One register function per subcommand (one file each under cli/commands/).
#include <CLI/CLI.hpp>

namespace strata::cli {
void register_vectorize(CLI::App& app);
void register_info(CLI::App& app);
void register_nmf(CLI::App& app);
void register_topics(CLI::App& app);
void register_transform(CLI::App& app);
void register_neighbors(CLI::App& app);
void register_generate(CLI::App& app);
void register_svd(CLI::App& app);
void register_embed_words(CLI::App& app);
void register_embed_graph(CLI::App& app);
void register_ssnmf(CLI::App& app);
void register_predict(CLI::App& app);
void register_hnmf(CLI::App& app);
void register_rank(CLI::App& app);
void register_autoencoder(CLI::App& app);
void register_lm(CLI::App& app);
}  // namespace strata::cli
