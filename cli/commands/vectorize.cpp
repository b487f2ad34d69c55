// strata vectorize INPUT -o OUT.strata: text -> corpus file.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "strata/io/corpus_file.hpp"

namespace strata::cli {

void register_vectorize(CLI::App& app) {
  struct Args {
    std::string input, output;
    CommonOptions common;
    InputOptions reading;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("vectorize", "Turn a text collection into a corpus file (document-term matrix)");
  cmd->add_option("INPUT", args->input, "Text file, TSV, directory, Brown corpus, or a matrix file")->required();
  cmd->add_option("-o,--output", args->output, "Output corpus file (.strata)")->required();
  add_input_options(*cmd, args->reading);
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    const Corpus corpus = load_input(args->input, args->reading, args->common);
    write_corpus_file(args->output, corpus);
    if (!args->common.quiet)
      std::printf("%s: %lld documents x %lld terms, %lld nonzeros%s\n", args->output.c_str(),
                  static_cast<long long>(corpus.matrix.rows), static_cast<long long>(corpus.matrix.cols),
                  static_cast<long long>(corpus.matrix.nnz()),
                  corpus.cooccurrence ? (", co-occurrence nonzeros " +
                                         std::to_string(corpus.cooccurrence->nnz())).c_str()
                                      : "");
  });
}

}  // namespace strata::cli
