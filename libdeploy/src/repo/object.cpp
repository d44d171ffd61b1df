#include "deploy/repo/object.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/util/path.hpp"
#include "deploy/util/sha256.hpp"

namespace deploy::repo {

using nlohmann::json;

const char* object_type_name(ObjectType type) {
    switch (type) {
        case ObjectType::File:
            return "file";
        case ObjectType::DirTree:
            return "dirtree";
        case ObjectType::DirMeta:
            return "dirmeta";
        case ObjectType::Commit:
            return "commit";
    }
    return "file";
}

static json xattrs_to_json(const fs::Xattrs& xattrs) {
    json out = json::object();
    for (const auto& [name, value] : xattrs) {
        out[name] = to_hex(value);
    }
    return out;
}

static fs::Xattrs xattrs_from_json(const json& j) {
    fs::Xattrs out;
    for (const auto& [name, value] : j.items()) {
        out.emplace(name, from_hex(value.get<std::string>()));
    }
    return out;
}

bool FileHeader::is_symlink() const {
    return S_ISLNK(mode);
}

std::string FileHeader::serialize() const {
    json j = {{"mode", mode}, {"uid", uid}, {"gid", gid}, {"xattrs", xattrs_to_json(xattrs)}};
    if (is_symlink()) {
        j["target"] = symlink_target;
    } else {
        j["size"] = size;
    }
    return j.dump();
}

static void hash_file_header(Sha256& hash, const FileHeader& header) {
    hash.update("deployd-file\n");
    hash.update(header.serialize());
    hash.update("\n");
}

std::string file_checksum_of_bytes(const FileHeader& header, std::string_view content) {
    Sha256 hash;
    hash_file_header(hash, header);
    hash.update(header.is_symlink() ? std::string_view(header.symlink_target) : content);
    return hash.hex_digest();
}

std::string file_checksum(const FileHeader& header, int content_fd, const std::string& what) {
    Sha256 hash;
    hash_file_header(hash, header);
    if (header.is_symlink()) {
        hash.update(header.symlink_target);
        return hash.hex_digest();
    }
    static thread_local std::string buf(1 << 17, '\0');
    uint64_t total = 0;
    off_t offset = 0;
    for (;;) {
        ssize_t n = ::pread(content_fd, buf.data(), buf.size(), offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", what);
        }
        if (n == 0)
            break;
        hash.update(buf.data(), static_cast<size_t>(n));
        offset += n;
        total += static_cast<uint64_t>(n);
    }
    if (total != header.size) {
        throw CorruptError(
            fmt::format("{}: size changed while reading ({} != {})", what, total, header.size));
    }
    return hash.hex_digest();
}

// Parsing helpers: every malformed field becomes a CorruptError naming the object. Names taken
// from the object are printed escaped ({:?}), so a hostile one cannot break the one-line error.
template <typename F>
static auto parse_guarded(std::string_view data, const std::string& what, F&& fn) {
    try {
        json j = json::parse(data);
        if (!j.is_object()) {
            throw CorruptError(fmt::format("{}: not a JSON object", what));
        }
        return fn(j);
    } catch (const json::exception& e) {
        throw CorruptError(fmt::format("{}: malformed object ({})", what, e.what()));
    } catch (const InvalidError& e) {
        throw CorruptError(fmt::format("{}: {}", what, e.what()));
    }
}

static void require_checksum(const std::string& value, const std::string& what, const char* field) {
    if (!is_valid_checksum(value)) {
        throw CorruptError(fmt::format("{}: field '{}' is not a checksum", what, field));
    }
}

// nlohmann's get<uint32_t>() casts a float (undefined behaviour when out of range, found by
// tests/fuzz) and wraps an out-of-range integer; an object's numbers must be integers that fit.
template <typename T>
static T integer_field(const json& j, const char* field, const std::string& what) {
    const json& v = j.at(field);
    if (v.is_number_unsigned() && std::in_range<T>(v.get<uint64_t>()))
        return static_cast<T>(v.get<uint64_t>());
    if (v.is_number_integer() && !v.is_number_unsigned() && std::in_range<T>(v.get<int64_t>()))
        return static_cast<T>(v.get<int64_t>());
    throw CorruptError(fmt::format("{}: field '{}' is not an integer in range", what, field));
}

std::string DirMeta::serialize() const {
    return json{{"mode", mode}, {"uid", uid}, {"gid", gid}, {"xattrs", xattrs_to_json(xattrs)}}
        .dump();
}

DirMeta DirMeta::parse(std::string_view data, const std::string& what) {
    return parse_guarded(data, what, [&](const json& j) {
        DirMeta meta;
        meta.mode = integer_field<uint32_t>(j, "mode", what);
        meta.uid = integer_field<uint32_t>(j, "uid", what);
        meta.gid = integer_field<uint32_t>(j, "gid", what);
        meta.xattrs = xattrs_from_json(j.at("xattrs"));
        if (!S_ISDIR(meta.mode)) {
            throw CorruptError(fmt::format("{}: dirmeta mode is not a directory", what));
        }
        return meta;
    });
}

std::string DirTree::serialize() const {
    json jfiles = json::array();
    for (const auto& f : files) {
        jfiles.push_back(json::array({f.name, f.checksum}));
    }
    json jdirs = json::array();
    for (const auto& d : dirs) {
        jdirs.push_back(json::array({d.name, d.tree, d.meta}));
    }
    return json{{"files", jfiles}, {"dirs", jdirs}}.dump();
}

DirTree DirTree::parse(std::string_view data, const std::string& what) {
    return parse_guarded(data, what, [&](const json& j) {
        DirTree tree;
        for (const auto& f : j.at("files")) {
            tree.files.push_back({f.at(0).get<std::string>(), f.at(1).get<std::string>()});
        }
        for (const auto& d : j.at("dirs")) {
            tree.dirs.push_back({d.at(0).get<std::string>(), d.at(1).get<std::string>(),
                                 d.at(2).get<std::string>()});
        }
        const std::string* prev = nullptr;
        for (const auto& f : tree.files) {
            if (!path::is_valid_name(f.name)) {
                throw CorruptError(fmt::format("{}: invalid file name {:?}", what, f.name));
            }
            require_checksum(f.checksum, what, "file checksum");
            if (prev != nullptr && !(*prev < f.name)) {
                throw CorruptError(
                    fmt::format("{}: entries not sorted or duplicated at {:?}", what, f.name));
            }
            prev = &f.name;
        }
        prev = nullptr;
        for (const auto& d : tree.dirs) {
            if (!path::is_valid_name(d.name)) {
                throw CorruptError(fmt::format("{}: invalid directory name {:?}", what, d.name));
            }
            require_checksum(d.tree, what, "dirtree checksum");
            require_checksum(d.meta, what, "dirmeta checksum");
            if (prev != nullptr && !(*prev < d.name)) {
                throw CorruptError(
                    fmt::format("{}: entries not sorted or duplicated at {:?}", what, d.name));
            }
            if (tree.find_file(d.name) != nullptr) {
                throw CorruptError(
                    fmt::format("{}: {:?} is both a file and a directory", what, d.name));
            }
            prev = &d.name;
        }
        return tree;
    });
}

const DirTree::File* DirTree::find_file(std::string_view name) const {
    auto it = std::lower_bound(files.begin(), files.end(), name,
                               [](const File& f, std::string_view n) { return f.name < n; });
    return it != files.end() && it->name == name ? &*it : nullptr;
}

const DirTree::Dir* DirTree::find_dir(std::string_view name) const {
    auto it = std::lower_bound(dirs.begin(), dirs.end(), name,
                               [](const Dir& d, std::string_view n) { return d.name < n; });
    return it != dirs.end() && it->name == name ? &*it : nullptr;
}

std::string Commit::serialize() const {
    return json{{"root_tree", root_tree}, {"root_meta", root_meta}, {"parent", parent},
                {"timestamp", timestamp}, {"version", version},     {"subject", subject},
                {"body", body},           {"metadata", metadata}}
        .dump();
}

Commit Commit::parse(std::string_view data, const std::string& what) {
    return parse_guarded(data, what, [&](const json& j) {
        Commit c;
        c.root_tree = j.at("root_tree").get<std::string>();
        c.root_meta = j.at("root_meta").get<std::string>();
        c.parent = j.at("parent").get<std::string>();
        c.timestamp = integer_field<int64_t>(j, "timestamp", what);
        c.version = j.at("version").get<std::string>();
        c.subject = j.at("subject").get<std::string>();
        c.body = j.at("body").get<std::string>();
        c.metadata = j.at("metadata");
        require_checksum(c.root_tree, what, "root_tree");
        require_checksum(c.root_meta, what, "root_meta");
        if (!c.parent.empty()) {
            require_checksum(c.parent, what, "parent");
        }
        if (!c.metadata.is_object()) {
            throw CorruptError(fmt::format("{}: metadata is not an object", what));
        }
        return c;
    });
}

}  // namespace deploy::repo
