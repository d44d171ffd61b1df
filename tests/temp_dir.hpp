// A temporary directory for a test, removed with everything in it on destruction.
#pragma once

#include <stdlib.h>

#include <string>

#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::test {

class TempDir {
  public:
    TempDir() {
        std::string tmpl = "/tmp/deployd-test-XXXXXX";
        if (const char* base = ::getenv("TMPDIR"))
            tmpl = std::string(base) + "/deployd-test-XXXXXX";
        char* p = ::mkdtemp(tmpl.data());
        path_ = p ? p : "";
        fd_ = fs::open_dir(path_);
    }
    ~TempDir() {
        try {
            fd_.reset();
            UniqueFd root = fs::open_dir("/");
            fs::remove_tree_at(root.get(), path_.substr(1));
        } catch (...) {
        }
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  private:
    std::string path_;
    UniqueFd fd_;
};

}  // namespace deploy::test
