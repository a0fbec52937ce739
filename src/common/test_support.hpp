#pragma once
// Helpers shared by the tests of every module: a temporary directory removed on
// destruction, and the number of threads this process runs (for "no thread left" checks).

#include <dirent.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace wavs::test {

// A fresh directory under the system temp dir, removed with everything in it on
// destruction. path() is empty when it could not be created; fixtures assert on that.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "wavs") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `rel` under the directory (parents created) and returns its path.
  std::filesystem::path write(const std::string& rel, std::string_view content) const {
    auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// Threads of this process now (the entries of /proc/self/task).
inline std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
  }
  return n;
}

}  // namespace wavs::test
