// The strata command-line tool: parse, call the library, report. Algorithms
// live in the library; each subcommand is a thin file in commands/.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "commands/commands.hpp"
#include "strata/core/error.hpp"
#include "strata/core/interrupt.hpp"
#include "common.hpp"
#include "strata/version.hpp"

#if defined(__GLIBC__) && defined(__ELF__)
// OpenMP workers that wait actively spin for milliseconds at every barrier.
// When another process competes for the cores, a spinning worker holds the
// core its straggling sibling needs: a 100-component SVD of 3,400 documents
// took 5.8 s instead of 0.25 s with passive waiting. libgomp reads
// OMP_WAIT_POLICY once, while it is loaded, before any constructor of this
// program runs; functions in .preinit_array run earlier still. A policy (or
// GOMP_SPINCOUNT) the user sets is kept.
static void default_passive_wait(int, char**, char**) {
  if (!std::getenv("GOMP_SPINCOUNT")) setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/0);
}
__attribute__((section(".preinit_array"), used)) static auto const preinit_wait_policy = &default_passive_wait;
#endif

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Factor-sized buffers (megabytes) come and go between phases of a fit.
  // glibc raises its mmap threshold to the size of each freed block, after
  // which such buffers come from the heap and stay in the process's
  // footprint; a fixed threshold keeps them mmapped and returned on free
  // (NMF's peak memory: 112.6 -> 96.2 MB on the benchmark matrix). Fixing it
  // also fixes the heap's trim threshold at 128 KB, so a kernel's sub-MB
  // scratch (Eigen's packing buffers) would go back to the system and fault
  // in again on every call: the heap keeps up to 32 MB of free top instead.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif
  CLI::App app{"strata: topics, hierarchies, rank selection and embeddings from large sparse data"};
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);
  app.require_subcommand(1);
  strata::cli::register_vectorize(app);
  strata::cli::register_info(app);
  strata::cli::register_nmf(app);
  strata::cli::register_topics(app);
  strata::cli::register_transform(app);
  strata::cli::register_neighbors(app);
  strata::cli::register_generate(app);
  strata::cli::register_svd(app);
  strata::cli::register_embed_words(app);
  strata::cli::register_embed_graph(app);
  strata::cli::register_ssnmf(app);
  strata::cli::register_predict(app);
  strata::cli::register_hnmf(app);
  strata::cli::register_rank(app);
  strata::cli::register_autoencoder(app);
  strata::cli::register_lm(app);
  strata::cli::install_interrupt_handlers();
  try {
    app.parse(argc, argv);
  } catch (const strata::Interrupted& e) {
    std::fprintf(stderr, "strata: %s; the output was left as it was\n", e.what());
    return 128 + e.signal();
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const strata::InputError& e) {
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    return 1;
  } catch (const strata::ArgumentError& e) {
    std::fprintf(stderr, "strata: invalid argument: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "strata: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata: error: %s\n", e.what());
    return 1;
  }
  if (const int s = strata::interrupt_requested()) {
    std::fprintf(stderr, "strata: interrupted after the output was complete\n");
    return 128 + s;
  }
  return 0;
}
