#pragma once
/// @file Cooperative interruption of work that must not be left half done.
///
/// The CLI's SIGINT/SIGTERM handler calls `request_interrupt` only while some
/// code holds an `InterruptDeferral` (a model directory being written: its
/// temporary must be removed, not abandoned); otherwise it lets the signal end
/// the process at once. Code that holds a deferral polls `throw_if_interrupted`
/// between steps and unwinds, cleaning up as it goes. `request_interrupt`,
/// `interrupt_requested` and `interrupt_deferred` are async-signal-safe.
#include <stdexcept>
#include <string>

namespace strata {

/// Thrown by throw_if_interrupted(): the process was asked to stop by `signal()`.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const noexcept { return signal_; }

 private:
  int signal_;
};

/// Records that `signal` asked the process to stop (the first request wins).
void request_interrupt(int signal) noexcept;
/// The signal of the pending request, or 0.
int interrupt_requested() noexcept;
/// Forgets a pending request (tests; a host that handled the interrupt).
void clear_interrupt() noexcept;
/// Throws Interrupted if a request is pending.
void throw_if_interrupted();

/// While one is alive, interrupt_deferred() is true: a signal handler should
/// record the request instead of ending the process.
class InterruptDeferral {
 public:
  InterruptDeferral() noexcept;
  ~InterruptDeferral();
  InterruptDeferral(const InterruptDeferral&) = delete;
  InterruptDeferral& operator=(const InterruptDeferral&) = delete;
};
bool interrupt_deferred() noexcept;

}  // namespace strata
