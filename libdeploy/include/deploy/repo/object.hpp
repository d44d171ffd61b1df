// The object model of the content-addressed store.
//
// Four object types, each named by the SHA-256 of its canonical serialization:
//   file     regular file or symlink; checksum covers a header (mode, uid, gid, xattrs, size or
//            symlink target) and the content, so a checkout can hardlink the stored object as is.
//   dirmeta  a directory's mode, uid, gid and xattrs.
//   dirtree  a directory listing: files (name -> file checksum) and subdirectories
//            (name -> dirtree checksum + dirmeta checksum), sorted by name.
//   commit   root dirtree + dirmeta, parent, timestamp, version, subject, body, metadata.
// Metadata objects are canonical JSON (sorted keys, no whitespace); parsing validates every field
// and every name, so a hostile object is rejected before anything uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deploy::repo {

enum class ObjectType { File, DirTree, DirMeta, Commit };

// Deepest directory nesting the store accepts (the root tree is depth 0). Trees come from remotes,
// so every walker checks it before descending: a hostile chain of dirtrees must end in a
// CorruptError, never in a stack overflow. 256 is ostree's OSTREE_MAX_RECURSION: far beyond any
// real OS tree, and low enough that a checkout (one open descriptor per level) stays well under
// the usual 1024-descriptor limit.
inline constexpr size_t kMaxTreeDepth = 256;
// CorruptError("<what>: directory tree deeper than the limit of 256 levels at <path, shortened>").
CorruptError tree_too_deep(const std::string& what, const std::string& path);

const char* object_type_name(ObjectType type);  // "file", "dirtree", "dirmeta", "commit"

// Metadata of a file object that is part of its checksum.
struct FileHeader {
    uint32_t mode = 0;  // full st_mode: S_IFREG or S_IFLNK plus permission bits
    uint32_t uid = 0;
    uint32_t gid = 0;
    fs::Xattrs xattrs;
    uint64_t size = 0;           // regular files
    std::string symlink_target;  // symlinks

    bool is_symlink() const;
    // Canonical bytes hashed in front of the content.
    std::string serialize() const;
};

// Hashes the file object whose content is read from fd (regular file) or is the symlink target.
std::string file_checksum(const FileHeader& header, int content_fd, const std::string& what);
// Same for content already in memory (header.size must match).
std::string file_checksum_of_bytes(const FileHeader& header, std::string_view content);

struct DirMeta {
    uint32_t mode = 040755;
    uint32_t uid = 0;
    uint32_t gid = 0;
    fs::Xattrs xattrs;

    std::string serialize() const;
    static DirMeta parse(std::string_view data, const std::string& what);
    bool operator==(const DirMeta&) const = default;
};

struct DirTree {
    struct File {
        std::string name;
        std::string checksum;
        bool operator==(const File&) const = default;
    };
    struct Dir {
        std::string name;
        std::string tree;
        std::string meta;
        bool operator==(const Dir&) const = default;
    };
    std::vector<File> files;  // sorted by name
    std::vector<Dir> dirs;    // sorted by name; no name appears in both lists

    std::string serialize() const;
    // Validates names (no '/', '..', empty, duplicates) and checksums; throws CorruptError.
    static DirTree parse(std::string_view data, const std::string& what);
    const File* find_file(std::string_view name) const;
    const Dir* find_dir(std::string_view name) const;
};

struct Commit {
    std::string root_tree;
    std::string root_meta;
    std::string parent;  // empty for the first commit
    int64_t timestamp = 0;
    std::string version;
    std::string subject;
    std::string body;
    nlohmann::json metadata = nlohmann::json::object();

    std::string serialize() const;
    static Commit parse(std::string_view data, const std::string& what);
};

}  // namespace deploy::repo
