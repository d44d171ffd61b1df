#include "deploy/repo/commit_builder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/thread_pool.hpp"
#include "file_object_writer.hpp"

namespace deploy::repo {

namespace {

// A path of a deep tree, cut to keep an error message one readable line.
std::string shorten(const std::string& path) {
    constexpr size_t kShown = 120;
    return path.size() <= kShown ? path : path.substr(0, kShown) + "...";
}

// In-memory image of the source tree: scanned once, hashed in parallel, written bottom-up.
struct SourceFile {
    std::string path;  // relative to the source root
    struct stat st;
    std::string checksum;
};

struct SourceDir {
    struct stat st {};
    fs::Xattrs xattrs;
    std::map<std::string, std::unique_ptr<SourceDir>> dirs;
    std::map<std::string, size_t> files;  // name -> index into the file list
};

class TreeScanner {
  public:
    TreeScanner(const CommitOptions& options, Progress& progress)
        : options_(options), progress_(progress) {}

    // depth of rel below the root; past kMaxTreeDepth the tree could never be checked out (and
    // the recursion must stay bounded), so it is refused here, naming the directory.
    void scan(int dirfd, const std::string& rel, SourceDir& node, size_t depth) {
        if (depth > kMaxTreeDepth) {
            throw InvalidError(
                fmt::format("cannot commit {}: directories nested deeper than {} levels",
                            shorten(rel), kMaxTreeDepth));
        }
        node.st = fs::lstat_at(dirfd, rel.empty() ? "." : rel);
        UniqueFd fd = rel.empty() ? fs::open_dir(dirfd, ".") : fs::open_dir(dirfd, rel);
        node.xattrs = fs::read_xattrs_fd(fd.get());
        for (const auto& name : fs::list_dir(fd.get())) {
            std::string child = rel.empty() ? name : rel + "/" + name;
            struct stat st = fs::lstat_at(fd.get(), name);
            if (S_ISDIR(st.st_mode)) {
                auto sub = std::make_unique<SourceDir>();
                scan(dirfd, child, *sub, depth + 1);
                node.dirs.emplace(name, std::move(sub));
            } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
                node.files.emplace(name, files.size());
                files.push_back({child, st, {}});
            } else if (options_.skip_special_files) {
                progress_.message(fmt::format("skipping {}: device node, socket or fifo", child));
            } else {
                throw InvalidError(fmt::format(
                    "cannot commit {}: device nodes, sockets and fifos are not allowed in a tree",
                    child));
            }
        }
    }

    std::vector<SourceFile> files;

  private:
    const CommitOptions& options_;
    Progress& progress_;
};

// Moves a top-level etc/ to usr/etc (files keep their source paths; only the tree shape changes).
void relocate_etc(SourceDir& root) {
    auto etc = root.dirs.find("etc");
    if (etc == root.dirs.end())
        return;
    auto usr = root.dirs.find("usr");
    if (usr != root.dirs.end() && usr->second->dirs.count("etc") != 0) {
        throw InvalidError("tree has both etc and usr/etc: keep the defaults in usr/etc only");
    }
    if (usr != root.dirs.end() && usr->second->files.count("etc") != 0) {
        throw InvalidError("tree has etc but usr/etc is not a directory");
    }
    if (usr == root.dirs.end()) {
        auto fresh = std::make_unique<SourceDir>();
        fresh->st = root.st;
        fresh->st.st_mode = S_IFDIR | 0755;
        fresh->st.st_uid = 0;
        fresh->st.st_gid = 0;
        usr = root.dirs.emplace("usr", std::move(fresh)).first;
    }
    usr->second->dirs.emplace("etc", std::move(etc->second));
    root.dirs.erase(etc);
}

std::pair<std::string, std::string> write_dir(Repo& repo, const SourceDir& node,
                                              const std::vector<SourceFile>& files,
                                              CommitStats& stats, const std::string& rel,
                                              size_t depth) {
    // Moving etc/ to usr/etc adds a level the scan did not count.
    if (depth > kMaxTreeDepth) {
        throw InvalidError(fmt::format("cannot commit {}: directories nested deeper than {} levels",
                                       shorten(rel), kMaxTreeDepth));
    }
    DirTree tree;
    for (const auto& [name, index] : node.files) {
        tree.files.push_back({name, files[index].checksum});
    }
    for (const auto& [name, sub] : node.dirs) {
        auto [t, m] =
            write_dir(repo, *sub, files, stats, rel.empty() ? name : rel + "/" + name, depth + 1);
        tree.dirs.push_back({name, t, m});
    }
    DirMeta meta{node.st.st_mode, node.st.st_uid, node.st.st_gid, node.xattrs};
    ++stats.dirs;
    return {repo.write_metadata(ObjectType::DirTree, tree.serialize()),
            repo.write_metadata(ObjectType::DirMeta, meta.serialize())};
}

}  // namespace

std::pair<std::string, std::string> write_tree(Repo& repo, int src_dirfd, const std::string& src,
                                               const CommitOptions& options, Progress& progress,
                                               CommitStats& stats) {
    UniqueFd root_fd = fs::open_dir(src_dirfd, src);
    SourceDir root;
    TreeScanner scanner(options, progress);
    {
        ProgressTask task(progress, "scan");
        scanner.scan(root_fd.get(), "", root, 0);
    }
    if (options.move_etc_to_usr_etc)
        relocate_etc(root);

    auto& files = scanner.files;
    ObjectInodeIndex inode_index(repo);
    // Build the inode index up front (single-threaded) if any file could be a checkout link.
    std::vector<char> linked(files.size(), 0);
    for (size_t i = 0; i < files.size(); ++i) {
        std::string known = inode_index.lookup(files[i].st);
        if (!known.empty()) {
            files[i].checksum = std::move(known);
            linked[i] = 1;
        }
    }
    std::atomic<uint64_t> new_objects{0}, bytes_hashed{0}, reused{0};
    {
        ProgressTask task(progress, "hash");
        // Chunks keep progress reports and cancellation on this thread.
        constexpr size_t kChunk = 512;
        for (size_t start = 0; start < files.size(); start += kChunk) {
            size_t n = std::min(kChunk, files.size() - start);
            parallel_for(n, [&](size_t k) {
                size_t i = start + k;
                if (linked[i]) {
                    reused.fetch_add(1, std::memory_order_relaxed);
                    return;
                }
                StoredFile stored =
                    store_file_object(repo, root_fd.get(), files[i].path, files[i].st);
                files[i].checksum = std::move(stored.checksum);
                if (stored.new_object)
                    new_objects.fetch_add(1, std::memory_order_relaxed);
                bytes_hashed.fetch_add(stored.bytes_hashed, std::memory_order_relaxed);
            });
            progress.percent("commit", static_cast<int>((start + n) * 100 / files.size()));
            check_cancel(progress);
        }
    }
    stats.files += files.size();
    stats.new_objects += new_objects;
    stats.bytes_hashed += bytes_hashed;
    stats.reused_checkout_files += reused;
    return write_dir(repo, root, files, stats, "", 0);
}

CommitResult commit_tree(Repo& repo, int src_dirfd, const std::string& src,
                         const CommitOptions& options, Progress& progress) {
    if (!options.branch.empty())
        Repo::check_ref_name(options.branch);
    CommitResult result;
    std::tie(result.root_tree, result.root_meta) =
        write_tree(repo, src_dirfd, src, options, progress, result.stats);

    Commit commit;
    commit.root_tree = result.root_tree;
    commit.root_meta = result.root_meta;
    commit.parent = options.parent;
    if (commit.parent.empty() && !options.branch.empty()) {
        commit.parent = repo.read_ref(options.branch).value_or("");
    }
    commit.timestamp = options.timestamp != 0
                           ? options.timestamp
                           : std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    commit.version = options.version;
    commit.subject = options.subject;
    commit.body = options.body;
    commit.metadata = options.metadata;
    result.commit = repo.write_metadata(ObjectType::Commit, commit.serialize());
    repo.sync();  // every object durable before a ref can point at it
    if (!options.branch.empty())
        repo.write_ref(options.branch, result.commit);
    spdlog::debug("committed {} ({} files, {} new objects, {} reused from checkouts)",
                  result.commit, result.stats.files, result.stats.new_objects,
                  result.stats.reused_checkout_files);
    return result;
}

}  // namespace deploy::repo
