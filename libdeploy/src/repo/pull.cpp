// Pulling from file:// remotes: the remote is opened as a Repo and every object is verified
// against its checksum before it is published here. File objects are hardlinked when both
// stores share a filesystem (a deploy then costs no copy at all), copied otherwise.
//
// Ordering gives crash safety without a journal: a dirtree is written only after everything
// below it, so a dirtree present locally proves its whole subtree is (the walk skips it), and
// the remote-tracking ref moves only after one syncfs made every object durable.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/thread_pool.hpp"
#include "file_object_writer.hpp"

namespace deploy::repo {

namespace {

// Re-raises an error met in the remote store with the remote named, keeping its kind.
[[noreturn]] void rethrow_remote(const Error& e, const std::string& remote) {
    std::string message = fmt::format("remote '{}': {}", remote, e.what());
    switch (e.kind()) {
        case ErrorKind::Corrupt:
            throw CorruptError(message);
        case ErrorKind::NotFound:
            throw NotFoundError(message);
        case ErrorKind::Invalid:
            throw InvalidError(message);
        default:
            throw Error(e.kind(), message);
    }
}

template <typename F>
auto from_remote(const std::string& remote, F&& fn) {
    try {
        return fn();
    } catch (const SystemError&) {
        throw;  // already names the path, which is inside the remote
    } catch (const Error& e) {
        rethrow_remote(e, remote);
    }
}

Repo open_remote(const Repo& repo, const std::string& name) {
    auto remote = repo.find_remote(name);
    if (!remote)
        throw NotFoundError(fmt::format("no remote '{}'", name));
    const std::string& url = remote->url;
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
        throw InvalidError(
            fmt::format("remote '{}' ({}): http remotes are not supported yet", name, url));
    }
    if (url.rfind("file:///", 0) != 0) {
        throw InvalidError(fmt::format("remote '{}': unsupported URL '{}'", name, url));
    }
    return from_remote(name, [&] { return Repo::open(url.substr(7)); });
}

struct PullCounts {
    std::atomic<uint64_t> objects{0};
    std::atomic<uint64_t> bytes{0};
};

// Copies the commit chain from tip back to the first commit the remote has. Commits new here
// are marked partial (their tree is not pulled) before they appear, so no window shows a
// commit that claims a tree it does not have. Returns the chain, newest first.
std::vector<std::string> pull_history(Repo& repo, const Repo& remote, const std::string& name,
                                      const std::string& tip, PullCounts& counts) {
    std::vector<std::string> chain;
    std::unordered_set<std::string> seen;
    std::string current = tip;
    while (!current.empty() && seen.insert(current).second) {
        if (!chain.empty() && !remote.has_object(current, ObjectType::Commit))
            break;  // pruned
        std::string data =
            from_remote(name, [&] { return remote.read_metadata(current, ObjectType::Commit); });
        Commit commit = from_remote(name, [&] { return Commit::parse(data, "commit " + current); });
        if (!repo.has_object(current, ObjectType::Commit)) {
            repo.mark_partial(current, true);
            repo.write_metadata(ObjectType::Commit, data);
            ++counts.objects;
            counts.bytes += data.size();
        }
        chain.push_back(current);
        current = commit.parent;
    }
    return chain;
}

// Fetches the tree of one commit: metadata walked in order, file objects in parallel.
class TreeFetcher {
  public:
    TreeFetcher(Repo& repo, const Repo& remote, const std::string& name, PullCounts& counts,
                Progress& progress)
        : repo_(repo), remote_(remote), name_(name), counts_(counts), progress_(progress) {}

    // what names the pulled commit in errors.
    void fetch(const std::string& what, const std::string& tree, const std::string& meta) {
        what_ = what;
        collect(tree, meta, "/", 0);
        fetch_files();
        // Children before parents (collect's post-order), so the invariant above holds even
        // if we are killed half-way through this loop.
        for (const auto& data : pending_trees_)
            store_metadata(ObjectType::DirTree, data);
    }

  private:
    std::string verified_metadata(const std::string& checksum, ObjectType type) {
        return from_remote(name_, [&] {
            std::string data = remote_.read_metadata(checksum, type);
            std::string what = fmt::format("{} {}", object_type_name(type), checksum);
            // Parsing validates names too: a hostile tree never enters this store.
            if (type == ObjectType::DirMeta)
                DirMeta::parse(data, what);
            return data;
        });
    }

    void store_metadata(ObjectType type, const std::string& data) {
        repo_.write_metadata(type, data);
        ++counts_.objects;
        counts_.bytes += data.size();
    }

    // Recursion bounded by kMaxTreeDepth: a hostile chain from the remote is refused before it
    // can exhaust the stack, and nothing of it is published (dirtrees are written after the walk).
    void collect(const std::string& tree_csum, const std::string& meta, const std::string& path,
                 size_t depth) {
        if (depth > kMaxTreeDepth)
            throw tree_too_deep(what_, path);
        if (!repo_.has_object(meta, ObjectType::DirMeta) && wanted_.insert(meta).second) {
            store_metadata(ObjectType::DirMeta, verified_metadata(meta, ObjectType::DirMeta));
        }
        if (repo_.has_object(tree_csum, ObjectType::DirTree) || !wanted_.insert(tree_csum).second) {
            return;
        }
        std::string data = verified_metadata(tree_csum, ObjectType::DirTree);
        DirTree tree =
            from_remote(name_, [&] { return DirTree::parse(data, "dirtree " + tree_csum); });
        for (const auto& f : tree.files) {
            if (!repo_.has_object(f.checksum, ObjectType::File) &&
                wanted_.insert(f.checksum).second) {
                files_.push_back(f.checksum);
            }
        }
        for (const auto& d : tree.dirs)
            collect(d.tree, d.meta, fs::join(path, d.name), depth + 1);
        pending_trees_.push_back(std::move(data));
    }

    void fetch_files() {
        // Chunks keep progress and cancellation on this thread.
        const size_t chunk = std::max<size_t>(256, files_.size() / 100);
        for (size_t start = 0; start < files_.size(); start += chunk) {
            check_cancel(progress_);
            size_t n = std::min(chunk, files_.size() - start);
            parallel_for(n, [&](size_t i) { fetch_file(files_[start + i]); });
            progress_.percent("pull", static_cast<int>((start + n) * 100 / files_.size()));
        }
    }

    void fetch_file(const std::string& checksum) {
        std::string rel = Repo::object_relpath(checksum, ObjectType::File);
        FileHeader header = from_remote(name_, [&] { return read_file_header(remote_, checksum); });
        UniqueFd fd;
        if (!header.is_symlink()) {
            fd.reset(
                ::openat(remote_.objects_fd(), rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd)
                throw_errno("cannot open remote object", remote_.path() + "/objects/" + rel);
        }
        std::string what = fmt::format("remote '{}': file object {}", name_, checksum);
        if (file_checksum(header, fd.get(), what) != checksum) {
            throw CorruptError(
                fmt::format("{} is corrupt: content does not match its checksum", what));
        }
        if (!fd || !link_verified(fd.get(), rel, checksum)) {
            write_file_object(repo_, header, fd.get(), checksum, what);
        }
        ++counts_.objects;
        counts_.bytes += header.size;
    }

    // Hardlinks the verified remote inode into place; false when that is not possible (other
    // filesystem, link limit, object touched so our checkouts would refuse it).
    bool link_verified(int fd, const std::string& rel, const std::string& checksum) {
        struct stat verified;
        if (::fstat(fd, &verified) != 0)
            throw_errno("cannot stat remote object", checksum);
        if (verified.st_dev != repo_.device() || verified.st_mtim.tv_sec != 0 ||
            verified.st_mtim.tv_nsec != 0) {
            return false;
        }
        static std::atomic<uint64_t> counter{0};
        std::string tmp = fmt::format("pull-{}-{}", ::getpid(), counter++);
        if (::linkat(remote_.objects_fd(), rel.c_str(), repo_.tmp_fd(), tmp.c_str(), 0) != 0) {
            if (errno == EXDEV || errno == EMLINK || errno == EPERM)
                return false;
            throw_errno("cannot link remote object", checksum);
        }
        // The name was linked, not the fd: make sure it is still the inode we hashed.
        struct stat linked;
        if (::fstatat(repo_.tmp_fd(), tmp.c_str(), &linked, AT_SYMLINK_NOFOLLOW) != 0 ||
            linked.st_ino != verified.st_ino || linked.st_dev != verified.st_dev) {
            ::unlinkat(repo_.tmp_fd(), tmp.c_str(), 0);
            return false;
        }
        repo_.publish_staged_file(tmp, checksum);
        return true;
    }

    Repo& repo_;
    const Repo& remote_;
    const std::string& name_;
    PullCounts& counts_;
    Progress& progress_;
    std::string what_;
    std::unordered_set<std::string> wanted_;
    std::vector<std::string> files_;
    std::vector<std::string> pending_trees_;  // serialized dirtrees, children first
};

std::string read_remote_tip(const Repo& remote, const std::string& name, const std::string& ref) {
    Repo::check_ref_name(ref);
    auto tip = from_remote(name, [&] { return remote.read_ref(ref); });
    if (!tip)
        throw NotFoundError(fmt::format("remote '{}' has no ref '{}'", name, ref));
    return *tip;
}

}  // namespace

PullResult pull(Repo& repo, const std::string& remote_name, const std::string& ref,
                const std::string& commit, Progress& progress) {
    ProgressTask task(progress, "pull");
    Repo remote = open_remote(repo, remote_name);
    std::string tip = read_remote_tip(remote, remote_name, ref);
    PullCounts counts;
    std::vector<std::string> chain = pull_history(repo, remote, remote_name, tip, counts);

    std::string target = commit.empty() ? tip : commit;
    if (std::find(chain.begin(), chain.end(), target) == chain.end()) {
        throw NotFoundError(
            fmt::format("commit {} is not in the history of {}:{}", target, remote_name, ref));
    }
    if (remote.is_partial(target)) {
        throw NotFoundError(fmt::format("remote '{}': commit {} is only partially present there",
                                        remote_name, target));
    }
    Commit target_commit = repo.read_commit(target);
    TreeFetcher fetcher(repo, remote, remote_name, counts, progress);
    fetcher.fetch(fmt::format("remote '{}': commit {}", remote_name, target),
                  target_commit.root_tree, target_commit.root_meta);

    repo.sync();  // every object durable before anything claims the tree is complete
    repo.mark_partial(target, false);
    repo.write_ref(remote_name + ":" + ref, tip);
    progress.percent("pull", 100);
    spdlog::debug("pulled {}:{} -> {} ({} objects, {} bytes)", remote_name, ref, target,
                  counts.objects.load(), counts.bytes.load());
    return {target, counts.objects.load(), counts.bytes.load()};
}

std::string pull_commit_metadata(Repo& repo, const std::string& remote_name, const std::string& ref,
                                 Progress& progress) {
    ProgressTask task(progress, "pull");
    Repo remote = open_remote(repo, remote_name);
    std::string tip = read_remote_tip(remote, remote_name, ref);
    PullCounts counts;
    pull_history(repo, remote, remote_name, tip, counts);
    // No ref moves: a metadata-only pull must not make the tracking ref claim a tree we lack.
    return tip;
}

}  // namespace deploy::repo
