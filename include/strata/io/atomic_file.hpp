#pragma once
/// @file Atomic output: write to a temporary file beside the target, then rename.
///
/// A reader never sees a half-written file: either the old content (or no file)
/// or the complete new one (SPEC 5). If the writer fails or is destroyed before
/// `commit()`, the temporary file is removed. `commit()` fsyncs the file before
/// the rename and the directory after it, so the new content survives a crash
/// of the machine, not only of the process. A temporary left by a killed
/// process is removed by the next AtomicFile or model directory written
/// beside it (remove_stale_temporaries).
#include <fstream>
#include <functional>
#include <string>

namespace strata {

class AtomicFile {
 public:
  /// Opens `<path>.tmp-<pid>-<n>` for binary writing; throws InputError naming
  /// `path` if the directory is not writable.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  /// Flushes, checks for write errors, fsyncs, renames over the target, fsyncs
  /// the directory.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

/// Writes a whole file atomically through `write`.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

/// The process id in the name of a strata temporary, or 0 for any other name:
/// "NAME.tmp-PID-N" (AtomicFile), ".NAME.strata-tmp-PID-HEX" (a model
/// directory being written, ModelDirectoryWriter) or ".NAME.strata-old-PID-HEX"
/// (a model being replaced, on file systems without RENAME_EXCHANGE).
long temporary_owner(const std::string& name);

/// Removes the strata temporaries in `dir` (files and directories named as
/// temporary_owner() recognizes) whose process is no longer running: what a
/// killed run left behind. Temporaries of live processes, this one included,
/// are kept. Returns how many entries were removed; never throws.
int remove_stale_temporaries(const std::string& dir);

/// fsync()s a file (throws InputError on failure).
void sync_file(const std::string& path);
/// fsync()s a directory, making renames and creations in it durable (throws
/// InputError on failure; file systems that cannot sync directories are skipped).
void sync_directory(const std::string& path);

/// Creates a directory (and its parents) if missing; throws InputError on failure
/// or if `path` exists and is not a directory.
void ensure_directory(const std::string& path);

/// Throws InputError naming `path` unless it is a regular file (or a link to
/// one): "no such file", "is a directory, expected WHAT", or "is a FIFO (named
/// pipe), expected WHAT; strata reads regular files only" (likewise character
/// and block devices and sockets). Checked with stat(), never by opening: opening
/// a FIFO blocks until a writer appears, and reading /dev/zero never ends.
void require_regular_file(const std::string& path, const std::string& what = "a file");

/// Reads a whole regular file into a string; throws InputError if missing,
/// not a regular file (require_regular_file) or unreadable.
std::string read_text_file(const std::string& path);

}  // namespace strata
