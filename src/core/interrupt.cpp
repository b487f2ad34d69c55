#include "strata/core/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <cstring>

namespace strata {
namespace {
// Lock-free atomics: safe to touch from a signal handler.
std::atomic<int> pending_signal{0};
std::atomic<int> deferrals{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

std::string describe(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}
}  // namespace

Interrupted::Interrupted(int signal) : std::runtime_error("interrupted by " + describe(signal)), signal_(signal) {}

void request_interrupt(int signal) noexcept {
  int none = 0;
  pending_signal.compare_exchange_strong(none, signal);
}

void clear_interrupt() noexcept { pending_signal.store(0); }

int interrupt_requested() noexcept { return pending_signal.load(); }

void throw_if_interrupted() {
  if (const int s = pending_signal.load()) throw Interrupted(s);
}

InterruptDeferral::InterruptDeferral() noexcept { deferrals.fetch_add(1); }
InterruptDeferral::~InterruptDeferral() { deferrals.fetch_sub(1); }
bool interrupt_deferred() noexcept { return deferrals.load() > 0; }

}  // namespace strata
