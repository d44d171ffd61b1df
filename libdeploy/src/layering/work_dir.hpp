// A scratch directory inside the store's tmp/ (same filesystem as the objects, so commit and
// checkout never cross devices). Named "<kind>-<pid>-<n>" like other staging so the next writer
// removes it if we die; removed on destruction otherwise.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

#include "deploy/repo/repo.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::layering {

class WorkDir {
  public:
    WorkDir(const repo::Repo& repo, const std::string& kind) : tmp_fd_(repo.tmp_fd()) {
        static std::atomic<unsigned> counter{0};
        name_ = kind + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        fs::remove_tree_at(tmp_fd_, name_);
        fs::mkdir_p_at(tmp_fd_, name_, 0700);
        fd_ = fs::open_dir(tmp_fd_, name_);
        char* real = ::realpath((repo.path() + "/tmp/" + name_).c_str(), nullptr);
        path_ = real ? real : repo.path() + "/tmp/" + name_;
        ::free(real);
    }
    ~WorkDir() {
        try {
            fd_.reset();
            fs::remove_tree_at(tmp_fd_, name_);
        } catch (...) {
            // Left for the next writer's leftover cleanup.
        }
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;

    int fd() const { return fd_.get(); }
    // Absolute: librpm wants an absolute root dir.
    const std::string& path() const { return path_; }

  private:
    int tmp_fd_;
    std::string name_;
    std::string path_;
    UniqueFd fd_;
};

}  // namespace deploy::layering
