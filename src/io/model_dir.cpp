#include "strata/io/model_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/npy.hpp"
#include "strata/version.hpp"

namespace strata {
namespace fs = std::filesystem;

void (*ModelDirectoryWriter::commit_step_hook)(const char*) = nullptr;
bool ModelDirectoryWriter::use_exchange = true;

namespace {
const char* const kTemporaryMark = ".strata-tmp-";
const char* const kAsideMark = ".strata-old-";

nlohmann::ordered_json parse_object(const std::string& text, const char* what) {
  auto j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ArgumentError(std::string(what) + " must be a JSON object");
  return j;
}

void step(const char* name) {
  if (ModelDirectoryWriter::commit_step_hook) ModelDirectoryWriter::commit_step_hook(name);
}

/// The directory the model goes to, absolute, without a trailing separator;
/// a symbolic link to a directory is followed (its target is replaced).
fs::path resolve_target(const std::string& dir) {
  if (dir.empty()) throw ArgumentError("the model directory must not be empty");
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(dir), ec);
  if (ec) throw InputError(dir, "cannot resolve the path: " + ec.message());
  p = p.lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (fs::is_symlink(p, ec)) {
    const fs::path target = fs::canonical(p, ec);
    if (!ec) p = target;
  }
  if (p == p.root_path() || !p.has_filename() || p.filename() == "." || p.filename() == "..")
    throw InputError(dir, "cannot be used as a model directory");
  return p;
}

/// Kinds one command writes: a rerun may switch between them.
bool same_family(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto svd = [](const std::string& k) { return k == "svd" || k == "pca"; };
  return svd(a) && svd(b);
}

/// Names strata writes in model directories (for models written before
/// model.json listed its files).
bool known_model_file(const std::string& name) {
  static const std::set<std::string> names = {
      "model.json",  "metrics.json",         "vocabulary.txt", "vocab.txt", "labels.txt",
      "classes.txt", "predicted_labels.txt", "nodes.txt",      "tree.json", "curve.svg"};
  if (names.count(name)) return true;
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) return true;
  return temporary_owner(name) != 0;
}

std::string random_hex() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", static_cast<unsigned>(rd()), static_cast<unsigned>(rd()));
  return buf;
}

fs::path sibling(const fs::path& target, const char* mark) {
  return target.parent_path() /
         ("." + target.filename().string() + mark + std::to_string(::getpid()) + "-" + random_hex());
}

bool process_gone(const std::string& name, const char* mark) {
  const size_t at = name.rfind(mark);
  if (at == std::string::npos) return false;
  const std::string rest = name.substr(at + std::strlen(mark));
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || dash > 9) return false;
  for (size_t i = 0; i < dash; ++i)
    if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  const long pid = std::stol(rest.substr(0, dash));
  return pid != static_cast<long>(::getpid()) && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

/// A model renamed aside by a process that was killed before it renamed the
/// new one in (only where the file system cannot exchange two names): when
/// its name is free, the old model goes back.
void restore_asides(const fs::path& parent) {
  std::error_code ec;
  fs::directory_iterator it(parent, ec), end;
  std::vector<fs::path> asides;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(kAsideMark) != std::string::npos && process_gone(name, kAsideMark))
      asides.push_back(it->path());
  }
  for (const fs::path& a : asides) {
    const std::string name = a.filename().string();
    const fs::path original = parent / name.substr(1, name.rfind(kAsideMark) - 1);
    std::error_code e2;
    if (!fs::exists(fs::symlink_status(original, e2)) && ::rename(a.c_str(), original.c_str()) == 0)
      sync_directory(parent.string());
  }
}

void rename_or_throw(const fs::path& from, const fs::path& to, const std::string& dir) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw InputError(dir, "cannot rename " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
}
}  // namespace

void check_model_output(const ModelOutput& output, const std::string& kind) {
  const fs::path target = resolve_target(output.dir);
  std::error_code ec;
  const fs::file_status st = fs::status(target, ec);
  if (!fs::exists(st) || output.overwrite) return;
  const std::string& dir = output.dir;
  const std::string hint = "; pass --overwrite to replace it as a whole";
  if (!fs::is_directory(st)) throw InputError(dir, "exists and is not a directory" + hint);
  std::vector<std::string> names;
  for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) throw InputError(dir, "cannot list the directory: " + ec.message());
  if (names.empty()) return;
  const fs::path model = target / "model.json";
  if (!fs::is_regular_file(model, ec))
    throw InputError(dir, "holds files but no model.json: not a strata model directory" + hint);
  const auto j = nlohmann::json::parse(read_text_file(model.string()), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("kind") || !j["kind"].is_string())
    throw InputError(dir, "model.json is not a strata model's" + hint);
  const std::string existing = j["kind"].get<std::string>();
  if (!same_family(existing, kind))
    throw InputError(dir, "holds a model of kind '" + existing + "', not '" + kind + "'" + hint);
  std::set<std::string> listed;
  const bool has_list = j.contains("files") && j["files"].is_array();
  if (has_list)
    for (const auto& f : j["files"])
      if (f.is_string()) listed.insert(f.get<std::string>());
  std::vector<std::string> foreign;
  for (const std::string& n : names)
    if (has_list ? (!listed.count(n) && temporary_owner(n) == 0) : !known_model_file(n)) foreign.push_back(n);
  if (!foreign.empty()) {
    std::sort(foreign.begin(), foreign.end());
    std::string list;
    for (size_t i = 0; i < foreign.size() && i < 3; ++i) list += (i ? ", " : "") + foreign[i];
    if (foreign.size() > 3) list += ", ...";
    throw InputError(dir, "holds files that are not part of its model (" + list + ")" + hint);
  }
}

ModelDirectoryWriter::ModelDirectoryWriter(const ModelOutput& output, std::string kind)
    : dir_(output.dir), kind_(std::move(kind)) {
  check_model_output(output, kind_);
  const fs::path target = resolve_target(dir_);
  const fs::path parent = target.parent_path();
  ensure_directory(parent.string());
  restore_asides(parent);
  remove_stale_temporaries(parent.string());
  tmp_ = sibling(target, kTemporaryMark).string();
  if (::mkdir(tmp_.c_str(), 0777) != 0) {
    const int err = errno;
    tmp_.clear();
    throw InputError(dir_, std::string("cannot create a temporary directory beside it: ") + std::strerror(err));
  }
  try {
    throw_if_interrupted();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
    throw;
  }
}

ModelDirectoryWriter::~ModelDirectoryWriter() {
  // Before commit(): the unfinished model. After it: the replaced model, if a
  // failure kept commit() from removing it.
  if (tmp_.empty()) return;
  std::error_code ec;
  fs::remove_all(tmp_, ec);
}

std::string ModelDirectoryWriter::path(const std::string& file) const {
  return (fs::path(committed_ ? dir_ : tmp_) / file).string();
}

void ModelDirectoryWriter::write_matrix(const std::string& name, const double* data, Index rows, Index cols) {
  throw_if_interrupted();
  write_npy(path(name + ".npy"), data, {rows, cols});
  shapes_.emplace_back(name, std::vector<Index>{rows, cols});
}

void ModelDirectoryWriter::write_vector(const std::string& name, const double* data, Index size) {
  throw_if_interrupted();
  write_npy(path(name + ".npy"), data, {size});
  shapes_.emplace_back(name, std::vector<Index>{size});
}

void ModelDirectoryWriter::write_lines(const std::string& file, const std::vector<std::string>& lines) {
  throw_if_interrupted();
  write_file_atomically(path(file), [&](std::ostream& out) {
    for (const auto& l : lines) out << l << '\n';
  });
}

void ModelDirectoryWriter::write_vocabulary(const std::vector<std::string>& vocabulary) {
  write_lines("vocabulary.txt", vocabulary);
  has_vocabulary_ = true;
}

void ModelDirectoryWriter::write_metrics(const std::string& summary_json, const std::vector<HistoryEntry>& history) {
  throw_if_interrupted();
  auto j = parse_object(summary_json, "metrics summary");
  auto h = nlohmann::ordered_json::array();
  for (const auto& e : history) {
    nlohmann::ordered_json row;
    row["iteration"] = e.iteration;
    row["seconds"] = e.seconds;
    row["loss"] = e.loss;
    // JSON has no NaN: an error that was not computed is null.
    row["relative_error"] = std::isfinite(e.relative_error) ? nlohmann::ordered_json(e.relative_error) : nullptr;
    h.push_back(row);
  }
  j["history"] = h;
  const std::string text = j.dump(2);
  write_file_atomically(path("metrics.json"), [&](std::ostream& out) { out << text << '\n'; });
}

void ModelDirectoryWriter::commit(const std::string& parameters_json, const std::string& extra_json) {
  if (committed_) throw ArgumentError("ModelDirectoryWriter::commit called twice");
  throw_if_interrupted();
  nlohmann::ordered_json j;
  j["kind"] = kind_;
  j["version"] = STRATA_VERSION;
  j["parameters"] = parse_object(parameters_json, "parameters");
  j["shapes"] = nlohmann::ordered_json::object();
  for (const auto& [name, shape] : shapes_) j["shapes"][name] = shape;
  j["vocabulary"] = has_vocabulary_ ? nlohmann::ordered_json("vocabulary.txt") : nlohmann::ordered_json(nullptr);
  const auto extra = parse_object(extra_json, "model extra");
  for (const auto& [k, v] : extra.items()) j[k] = v;
  // Every file of the model, so that a later run can tell them from files
  // someone else put in the directory.
  std::vector<std::string> files{"model.json"};
  std::error_code ec;
  for (fs::directory_iterator it(tmp_, ec), end; !ec && it != end; it.increment(ec))
    files.push_back(it->path().filename().string());
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  j["files"] = files;
  const std::string text = j.dump(2);
  write_file_atomically(path("model.json"), [&](std::ostream& out) { out << text << '\n'; });

  // Every file on disk (those written through AtomicFile already are), then
  // the directory entries naming them.
  for (fs::directory_iterator it(tmp_, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) sync_file(it->path().string());
  if (ec) throw InputError(dir_, "cannot list the temporary directory: " + ec.message());
  sync_directory(tmp_);
  step("temporary synced");
  throw_if_interrupted();  // the last point at which an interrupt backs out

  const fs::path target = resolve_target(dir_);
  const std::string parent = target.parent_path().string();
  const bool exists = fs::exists(fs::symlink_status(target, ec));
  if (!exists) {
    rename_or_throw(tmp_, target, dir_);
    tmp_.clear();
    committed_ = true;
    step("renamed in");
    sync_directory(parent);
    return;
  }
#if defined(RENAME_EXCHANGE)
  // One atomic step: DIR is the old model, then the new one.
  if (use_exchange && ::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    committed_ = true;  // tmp_ now names the old model; the destructor removes it if we stop here
    step("exchanged");
    sync_directory(parent);
    fs::remove_all(tmp_, ec);
    tmp_.clear();
    step("old removed");
    return;
  }
  if (use_exchange && errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    throw InputError(dir_, std::string("cannot replace the directory: ") + std::strerror(errno));
#endif
  // File systems without an exchange: the old model goes aside under a name
  // that the next writer restores if this process dies before the new one is in.
  const fs::path aside = sibling(target, kAsideMark);
  rename_or_throw(target, aside, dir_);
  try {
    step("renamed aside");
    rename_or_throw(tmp_, target, dir_);
  } catch (...) {
    ::rename(aside.c_str(), target.c_str());
    throw;
  }
  tmp_ = aside.string();  // now the old model: removed below, or by the destructor
  committed_ = true;
  step("renamed in");
  sync_directory(parent);
  fs::remove_all(aside, ec);
  tmp_.clear();
  step("old removed");
}

std::string read_model_json(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw InputError(dir, "not a model directory (no such directory)");
  const std::string file = (std::filesystem::path(dir) / "model.json").string();
  if (!std::filesystem::exists(file, ec))
    throw InputError(file, "missing: the model directory is incomplete (was the fit interrupted?)");
  return read_text_file(file);
}

}  // namespace strata
