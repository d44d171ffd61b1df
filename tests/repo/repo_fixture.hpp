// Shared helpers for the repo tests: a temp dir with a store in it, and tree builders.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "deploy/repo/commit_builder.hpp"
#include "deploy/repo/repo.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/progress.hpp"
#include "temp_dir.hpp"

namespace deploy::test {

// Records what the engine reports, so tests can assert on messages and progress.
class RecordingProgress : public Progress {
  public:
    void message(const std::string& text) override { messages.push_back(text); }
    void percent(const std::string& stage, int value) override { last_percent[stage] = value; }
    std::vector<std::string> messages;
    std::map<std::string, int> last_percent;
};

// Writes dirfd/path (parents created) with the given content and mode.
inline void write_file(int dirfd, const std::string& path, const std::string& content,
                       mode_t mode = 0644) {
    auto slash = path.rfind('/');
    if (slash != std::string::npos)
        fs::mkdir_p_at(dirfd, path.substr(0, slash));
    fs::write_file_atomic(dirfd, path, content, mode, false);
    // write_file_atomic applies the umask-free mode on create; make it explicit for the test.
    ::fchmodat(dirfd, path.c_str(), mode, 0);
}

inline std::string read_file(int dirfd, const std::string& path) {
    return fs::read_file_at(dirfd, path);
}

struct RepoFixture {
    TempDir tmp;
    repo::Repo repo = repo::Repo::init(tmp / "repo");
    RecordingProgress progress;

    // Commits tmp/<src> to branch (if any) and returns the result.
    repo::CommitResult commit(const std::string& src, const std::string& branch = "",
                              repo::CommitOptions options = {}) {
        options.branch = branch;
        return repo::commit_tree(repo, tmp.fd(), src, options, progress);
    }

    std::string object_path(const std::string& checksum, repo::ObjectType type) const {
        return "repo/objects/" + repo::Repo::object_relpath(checksum, type);
    }

    // Number of entries under repo/objects/*/.
    size_t count_objects() const {
        size_t n = 0;
        UniqueFd objects = fs::open_dir(tmp.fd(), "repo/objects");
        for (const auto& prefix : fs::list_dir(objects.get())) {
            UniqueFd dir = fs::open_dir(objects.get(), prefix);
            n += fs::list_dir(dir.get()).size();
        }
        return n;
    }
};

}  // namespace deploy::test
