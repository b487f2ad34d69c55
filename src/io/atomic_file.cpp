#include "strata/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "strata/core/error.hpp"

namespace strata {
namespace fs = std::filesystem;

namespace {
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

bool all_of(const std::string& s, size_t begin, size_t end, int (*pred)(int)) {
  if (begin >= end) return false;
  for (size_t i = begin; i < end; ++i)
    if (!pred(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

/// "<pid>-<suffix>" with digits, then `suffix_ok` characters: the pid, or 0.
long parse_pid_suffix(const std::string& s, size_t begin, int (*suffix_ok)(int)) {
  const size_t dash = s.find('-', begin);
  if (dash == std::string::npos || !all_of(s, begin, dash, ::isdigit) || !all_of(s, dash + 1, s.size(), suffix_ok))
    return 0;
  if (dash - begin > 9) return 0;
  return std::stol(s.substr(begin, dash - begin));
}

bool process_alive(long pid) {
  if (pid <= 0) return true;  // unknown: keep
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string parent_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}
}  // namespace

long temporary_owner(const std::string& name) {
  // A model directory's temporary, ".NAME.strata-tmp-PID-HEX", or a model
  // renamed aside while being replaced, ".NAME.strata-old-PID-HEX".
  for (const std::string dir_mark : {".strata-tmp-", ".strata-old-"}) {
    if (name.empty() || name[0] != '.') break;
    const size_t at = name.rfind(dir_mark);
    if (at != std::string::npos && at > 1) {
      if (const long pid = parse_pid_suffix(name, at + dir_mark.size(), ::isxdigit)) return pid;
    }
  }
  // An atomic file's temporary: "NAME.tmp-PID-N".
  const std::string file_mark = ".tmp-";
  const size_t at = name.rfind(file_mark);
  if (at != std::string::npos && at > 0) return parse_pid_suffix(name, at + file_mark.size(), ::isdigit);
  return 0;
}

int remove_stale_temporaries(const std::string& dir) {
  std::error_code ec, type_ec;
  int removed = 0;
  fs::directory_iterator it(dir.empty() ? "." : dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long pid = temporary_owner(name);
    if (pid == 0 || process_alive(pid)) continue;
    // An atomic file's temporary is a regular file; a model directory's may be
    // anything (after the swap it holds the replaced model, or a file).
    if (name[0] != '.' && !it->is_regular_file(type_ec)) continue;
    std::error_code rm;
    if (fs::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, std::string("cannot open to sync: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw InputError(path, std::string("fsync failed: ") + std::strerror(err));
}

void sync_directory(const std::string& path) {
  const int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, std::string("cannot open directory to sync: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot sync a directory (EINVAL); their renames are what they are.
  if (rc != 0 && err != EINVAL && err != EROFS)
    throw InputError(path, std::string("fsync of the directory failed: ") + std::strerror(err));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_path_(temporary_name(path_)) {
  remove_stale_temporaries(parent_of(path_));
  out_.open(tmp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw InputError(path_, std::string("cannot open for writing: ") + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(tmp_path_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) throw InputError(path_, "write failed (disk full?)");
  sync_file(tmp_path_);  // the content is on disk before the name points at it
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    throw InputError(path_, std::string("cannot rename temporary file: ") + std::strerror(errno));
  committed_ = true;
  sync_directory(parent_of(path_));  // and the name itself
}

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  AtomicFile f(path);
  write(f.stream());
  f.commit();
}

void ensure_directory(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec)) throw InputError(path, "exists and is not a directory");
    return;
  }
  fs::create_directories(path, ec);
  if (ec) throw InputError(path, "cannot create directory: " + ec.message());
}

void require_regular_file(const std::string& path, const std::string& what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw InputError(path, "no such file");
    throw InputError(path, std::string("cannot access: ") + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode)) return;
  if (S_ISDIR(st.st_mode)) throw InputError(path, "is a directory, expected " + what);
  const char* kind = S_ISFIFO(st.st_mode)  ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode) ? "a character device"
                     : S_ISBLK(st.st_mode) ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a regular file";
  throw InputError(path, std::string("is ") + kind + ", expected " + what +
                             "; strata reads regular files only (not pipes or devices)");
}

std::string read_text_file(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace strata
