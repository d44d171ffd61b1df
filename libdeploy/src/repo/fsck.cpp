// Store verification: every object against its name, then every ref for completeness.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/repo/maintenance.hpp"
#include "deploy/repo/tree_walk.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"
#include "deploy/util/thread_pool.hpp"

namespace deploy::repo {

namespace {

struct StoredObject {
    std::string checksum;
    ObjectType type;
};

std::optional<ObjectType> type_from_suffix(std::string_view suffix) {
    for (ObjectType t :
         {ObjectType::File, ObjectType::DirTree, ObjectType::DirMeta, ObjectType::Commit}) {
        if (suffix == object_type_name(t))
            return t;
    }
    return std::nullopt;
}

// Lists objects/; anything that is not "<2 hex>/<62 hex>.<type>" is reported, not trusted.
std::vector<StoredObject> list_objects(const Repo& repo, std::vector<std::string>& errors) {
    std::vector<StoredObject> out;
    for (const auto& prefix : fs::list_dir(repo.objects_fd())) {
        struct stat st;
        if (prefix.size() != 2 || !fs::lstat_at_if_exists(repo.objects_fd(), prefix, st) ||
            !S_ISDIR(st.st_mode)) {
            errors.push_back(fmt::format("objects/{}: not an object directory", prefix));
            continue;
        }
        UniqueFd dir = fs::open_dir(repo.objects_fd(), prefix);
        for (const auto& name : fs::list_dir(dir.get())) {
            auto dot = name.find('.');
            std::string checksum = prefix + name.substr(0, dot);
            auto type =
                dot == std::string::npos ? std::nullopt : type_from_suffix(name.substr(dot + 1));
            if (!type || !is_valid_checksum(checksum)) {
                errors.push_back(fmt::format("objects/{}/{}: not an object", prefix, name));
                continue;
            }
            out.push_back({checksum, *type});
        }
    }
    return out;
}

// What is wrong with an object: the report line and a short state for the per-ref lines.
struct Problem {
    std::string line;
    const char* state = "corrupt";
};

std::optional<Problem> check_file_object(const Repo& repo, const std::string& checksum) {
    FileHeader header = read_file_header(repo, checksum);
    UniqueFd fd;
    if (!header.is_symlink()) {
        std::string rel = Repo::object_relpath(checksum, ObjectType::File);
        fd.reset(::openat(repo.objects_fd(), rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            throw_errno("cannot open object", checksum);
    }
    if (file_checksum(header, fd.get(), "file object " + checksum) != checksum) {
        return Problem{fmt::format("file object {} is corrupt: content does not match its checksum",
                                   checksum)};
    }
    // Hardlink checkouts refuse objects whose mtime is not 0 (the sign of a write through a
    // link), so an intact but touched object still breaks deployments: say so here.
    struct stat st =
        fs::lstat_at(repo.objects_fd(), Repo::object_relpath(checksum, ObjectType::File));
    if (S_ISREG(st.st_mode) && (st.st_mtim.tv_sec != 0 || st.st_mtim.tv_nsec != 0)) {
        return Problem{fmt::format("file object {} has a modification time (touched in place); "
                                   "hardlink checkouts will refuse it",
                                   checksum),
                       "touched"};
    }
    return std::nullopt;
}

void check_metadata_object(const Repo& repo, const StoredObject& obj) {
    switch (obj.type) {
        case ObjectType::DirTree:
            repo.read_dirtree(obj.checksum);
            break;
        case ObjectType::DirMeta:
            repo.read_dirmeta(obj.checksum);
            break;
        case ObjectType::Commit:
            repo.read_commit(obj.checksum);
            break;
        case ObjectType::File:
            break;
    }
}

// Walks each ref's tree by presence, trusting pass 1 for content. Subtrees found complete are
// remembered, so refs sharing most of their tree are cheap; incomplete ones are walked again for
// every commit so each affected ref is named.
class Reachability {
  public:
    using BadObjects = std::map<std::string, const char*>;  // "<checksum>.<type>" -> state
    Reachability(const Repo& repo, const BadObjects& bad, FsckResult& result)
        : repo_(repo), bad_(bad), result_(result) {}

    void check_ref(const std::string& ref, const std::string& commit_csum) {
        std::string who = fmt::format("commit {} (ref {})", commit_csum, ref);
        if (!repo_.has_object(commit_csum, ObjectType::Commit)) {
            return error(fmt::format("ref {}: commit {} is missing", ref, commit_csum));
        }
        if (bad_.count(key(commit_csum, ObjectType::Commit)) != 0) {
            return error(fmt::format("ref {}: commit {} is corrupt", ref, commit_csum));
        }
        if (repo_.is_partial(commit_csum))
            return;  // history only: no tree expected
        Commit commit = repo_.read_commit(commit_csum);
        check_meta(who, commit.root_meta, "/");
        check_tree(who, commit.root_tree, "/", 0);
    }

  private:
    static std::string key(const std::string& checksum, ObjectType type) {
        return checksum + "." + object_type_name(type);
    }

    void error(std::string line) { result_.errors.push_back(std::move(line)); }

    // True when the object is present and passed pass 1; otherwise reports it.
    bool usable(const std::string& who, const std::string& checksum, ObjectType type,
                const std::string& path) {
        if (!repo_.has_object(checksum, type)) {
            error(
                fmt::format("{}: missing {} {} ({})", who, object_type_name(type), checksum, path));
            return false;
        }
        if (auto it = bad_.find(key(checksum, type)); it != bad_.end()) {
            error(fmt::format("{}: {} {} {} ({})", who, it->second, object_type_name(type),
                              checksum, path));
            return false;
        }
        return true;
    }

    void check_meta(const std::string& who, const std::string& meta, const std::string& path) {
        usable(who, meta, ObjectType::DirMeta, path);
    }

    // The height of the complete subtree (0 for a leaf directory), or nullopt after reporting
    // what is wrong. A subtree is shared across commits at different depths, so the height is
    // remembered with it: a known-complete subtree still fails where it would pass the limit.
    std::optional<size_t> check_tree(const std::string& who, const std::string& tree_csum,
                                     const std::string& path, size_t depth) {
        if (auto it = complete_.find(tree_csum); it != complete_.end()) {
            if (depth + it->second > kMaxTreeDepth) {
                error(too_deep(who, path));
                return std::nullopt;
            }
            return it->second;
        }
        if (depth > kMaxTreeDepth) {
            // Bounds the recursion: a hostile chain is one error line, not a stack overflow.
            error(too_deep(who, path));
            return std::nullopt;
        }
        if (!usable(who, tree_csum, ObjectType::DirTree, path))
            return std::nullopt;
        DirTree tree = repo_.read_dirtree(tree_csum);
        bool ok = true;
        size_t height = 0;
        for (const auto& f : tree.files) {
            ok &= usable(who, f.checksum, ObjectType::File, fs::join(path, f.name));
        }
        for (const auto& d : tree.dirs) {
            std::string child = fs::join(path, d.name);
            ok &= usable(who, d.meta, ObjectType::DirMeta, child);
            auto sub = check_tree(who, d.tree, child, depth + 1);
            ok &= sub.has_value();
            if (sub)
                height = std::max(height, *sub + 1);
            else if (depth + 1 > kMaxTreeDepth)
                break;  // reported once; the siblings are just as deep
        }
        if (!ok)
            return std::nullopt;
        complete_.emplace(tree_csum, height);
        return height;
    }

    static std::string too_deep(const std::string& who, const std::string& path) {
        return tree_too_deep(who, path).what();
    }

    const Repo& repo_;
    const BadObjects& bad_;
    FsckResult& result_;
    std::unordered_map<std::string, size_t> complete_;  // dirtree -> height of its subtree
};

}  // namespace

FsckResult fsck(const Repo& repo, Progress& progress) {
    ProgressTask task(progress, "fsck");
    FsckResult result;
    std::vector<StoredObject> objects = list_objects(repo, result.errors);
    std::vector<const StoredObject*> files;
    Reachability::BadObjects bad;
    std::mutex mutex;
    auto record = [&](const StoredObject& obj, Problem problem) {
        std::lock_guard lock(mutex);
        bad.emplace(obj.checksum + "." + object_type_name(obj.type), problem.state);
        result.errors.push_back(std::move(problem.line));
    };
    auto verify = [&](const StoredObject& obj) {
        try {
            if (obj.type == ObjectType::File) {
                if (auto problem = check_file_object(repo, obj.checksum)) {
                    record(obj, std::move(*problem));
                }
            } else {
                check_metadata_object(repo, obj);
            }
        } catch (const Error& e) {
            // Already names the object ("dirtree object X is corrupt: ...", "commit X: ...").
            record(obj, Problem{e.what()});
        }
    };

    const size_t total = objects.size();
    size_t done = 0;
    auto report = [&] { progress.percent("fsck", total == 0 ? 100 : int(done * 100 / total)); };
    for (const auto& obj : objects) {
        if (obj.type == ObjectType::File) {
            files.push_back(&obj);
            continue;
        }
        verify(obj);
        ++done;
    }
    report();
    // File content is where the bytes are: hash in parallel, in chunks so progress and
    // cancellation are handled on this thread (sinks need not be thread-safe).
    const size_t chunk = std::max<size_t>(256, files.size() / 100);
    for (size_t start = 0; start < files.size(); start += chunk) {
        check_cancel(progress);
        size_t n = std::min(chunk, files.size() - start);
        parallel_for(n, [&](size_t i) { verify(*files[start + i]); });
        done += n;
        report();
    }
    result.objects_checked = total;
    // Sort pass-1 errors so the output is stable regardless of thread scheduling.
    std::sort(result.errors.begin(), result.errors.end());

    std::map<std::string, std::string> refs;
    try {
        refs = repo.list_refs();
    } catch (const Error& e) {
        // One unreadable ref makes the listing fail; report it rather than abort the check.
        result.errors.push_back(fmt::format("refs: {}", e.what()));
    }
    Reachability reach(repo, bad, result);
    for (const auto& [ref, commit] : refs) {
        check_cancel(progress);
        try {
            reach.check_ref(ref, commit);
        } catch (const Error& e) {
            result.errors.push_back(fmt::format("ref {}: {}", ref, e.what()));
        }
    }
    progress.percent("fsck", 100);
    return result;
}

}  // namespace deploy::repo
