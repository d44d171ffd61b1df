#include "deploy/repo/repo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"
#include "deploy/util/sha256.hpp"

namespace deploy::repo {

using nlohmann::json;

static constexpr int kFormatVersion = 1;

Repo Repo::init(const std::string& path) {
    UniqueFd root(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        throw_errno("cannot create repository", path);
    }
    UniqueFd dir = fs::open_dir(path);
    for (const char* sub : {"objects", "refs", "refs/heads", "refs/remotes", "state", "tmp"}) {
        fs::mkdir_p_at(dir.get(), sub, 0755);
    }
    if (!fs::exists_at(dir.get(), "config")) {
        json config = {{"format", kFormatVersion}, {"mode", "bare"}, {"remotes", json::object()}};
        fs::write_file_atomic(dir.get(), "config", config.dump(2) + "\n");
    }
    return open(path);
}

Repo Repo::open(const std::string& path) {
    Repo repo;
    repo.path_ = path;
    try {
        repo.dir_fd_ = fs::open_dir(path);
    } catch (const SystemError& e) {
        if (e.code() == ENOENT) {
            throw NotFoundError(fmt::format("no repository at {}", path));
        }
        throw;
    }
    if (!fs::exists_at(repo.dir_fd_.get(), "config") ||
        !fs::exists_at(repo.dir_fd_.get(), "objects")) {
        throw InvalidError(fmt::format("{} is not a deployd repository (no config/objects)", path));
    }
    auto config = repo.read_config();
    if (config.value("format", 0) != kFormatVersion) {
        throw InvalidError(fmt::format("{}: unsupported repository format", path));
    }
    repo.open_fds();
    return repo;
}

void Repo::open_fds() {
    objects_fd_ = fs::open_dir(dir_fd_.get(), "objects");
    fs::mkdir_p_at(dir_fd_.get(), "tmp");
    tmp_fd_ = fs::open_dir(dir_fd_.get(), "tmp");
    struct stat st;
    if (::fstat(objects_fd_.get(), &st) != 0)
        throw_errno("cannot stat", path_ + "/objects");
    device_ = st.st_dev;
}

json Repo::read_config() const {
    std::string text = fs::read_file_at(dir_fd_.get(), "config");
    try {
        json j = json::parse(text);
        if (!j.is_object())
            throw InvalidError("not an object");
        return j;
    } catch (const std::exception& e) {
        throw InvalidError(
            fmt::format("{}/config: malformed repository config ({})", path_, e.what()));
    }
}

void Repo::write_config(const json& config) {
    fs::write_file_atomic(dir_fd_.get(), "config", config.dump(2) + "\n");
}

std::string Repo::object_relpath(const std::string& checksum, ObjectType type) {
    return fmt::format("{}/{}.{}", checksum.substr(0, 2), checksum.substr(2),
                       object_type_name(type));
}

bool Repo::has_object(const std::string& checksum, ObjectType type) const {
    if (!is_valid_checksum(checksum))
        return false;
    struct stat st;
    return ::fstatat(objects_fd_.get(), object_relpath(checksum, type).c_str(), &st,
                     AT_SYMLINK_NOFOLLOW) == 0;
}

static void ensure_prefix_dir(int objects_fd, const std::string& checksum) {
    std::string prefix = checksum.substr(0, 2);
    if (::mkdirat(objects_fd, prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        throw_errno("cannot create object directory", prefix);
    }
}

// Runs a link/rename into objects/xx/, creating the prefix directory only when it is missing
// (a failed mkdir per object showed up in profiles).
template <typename Op>
static int with_prefix_dir(int objects_fd, const std::string& checksum, Op op) {
    int rc = op();
    if (rc != 0 && errno == ENOENT) {
        ensure_prefix_dir(objects_fd, checksum);
        rc = op();
    }
    return rc;
}

std::string Repo::write_metadata(ObjectType type, const std::string& data) {
    std::string checksum = Sha256::hex_of(data);
    if (has_object(checksum, type))
        return checksum;
    std::string tmp = fmt::format("meta-{}-{}", ::getpid(), checksum);
    UniqueFd fd(
        ::openat(tmp_fd_.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
        throw_errno("cannot create", "tmp/" + tmp);
    std::string_view rest = data;
    while (!rest.empty()) {
        ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            ::unlinkat(tmp_fd_.get(), tmp.c_str(), 0);
            throw SystemError(err, "cannot write", "tmp/" + tmp);
        }
        rest.remove_prefix(static_cast<size_t>(n));
    }
    fd.reset();
    // Durability comes from sync() (one syncfs per transaction) before any ref points here.
    std::string rel = object_relpath(checksum, type);
    if (with_prefix_dir(objects_fd_.get(), checksum, [&] {
            return ::renameat(tmp_fd_.get(), tmp.c_str(), objects_fd_.get(), rel.c_str());
        }) != 0) {
        int err = errno;
        ::unlinkat(tmp_fd_.get(), tmp.c_str(), 0);
        throw SystemError(err, "cannot store object", checksum);
    }
    return checksum;
}

std::string Repo::read_metadata(const std::string& checksum, ObjectType type) const {
    std::string what = fmt::format("{} object {}", object_type_name(type), checksum);
    if (!is_valid_checksum(checksum)) {
        throw InvalidError(fmt::format("invalid checksum '{}'", checksum));
    }
    std::string data;
    try {
        data = fs::read_file_at(objects_fd_.get(), object_relpath(checksum, type));
    } catch (const SystemError& e) {
        if (e.code() == ENOENT)
            throw NotFoundError(fmt::format("{} is missing", what));
        throw;
    }
    if (Sha256::hex_of(data) != checksum) {
        throw CorruptError(fmt::format("{} is corrupt: content does not match its checksum", what));
    }
    return data;
}

DirTree Repo::read_dirtree(const std::string& checksum) const {
    return DirTree::parse(read_metadata(checksum, ObjectType::DirTree), "dirtree " + checksum);
}

DirMeta Repo::read_dirmeta(const std::string& checksum) const {
    return DirMeta::parse(read_metadata(checksum, ObjectType::DirMeta), "dirmeta " + checksum);
}

Commit Repo::read_commit(const std::string& checksum) const {
    return Commit::parse(read_metadata(checksum, ObjectType::Commit), "commit " + checksum);
}

void Repo::publish_staged_file(const std::string& tmp_name, const std::string& checksum) {
    std::string rel = object_relpath(checksum, ObjectType::File);
    // renameat over an existing object would replace an inode that checkouts link to; link
    // semantics (fail if present) keep existing objects untouched.
    if (with_prefix_dir(objects_fd_.get(), checksum,
                        [&] {
                            return ::linkat(tmp_fd_.get(), tmp_name.c_str(), objects_fd_.get(),
                                            rel.c_str(), 0);
                        }) != 0 &&
        errno != EEXIST) {
        int err = errno;
        ::unlinkat(tmp_fd_.get(), tmp_name.c_str(), 0);
        throw SystemError(err, "cannot store object", checksum);
    }
    ::unlinkat(tmp_fd_.get(), tmp_name.c_str(), 0);
}

void Repo::publish_anonymous_file(int fd, const std::string& checksum) {
    std::string rel = object_relpath(checksum, ObjectType::File);
    std::string proc = fmt::format("/proc/self/fd/{}", fd);
    // One directory operation per object: the O_TMPFILE inode gets its only name here.
    if (with_prefix_dir(objects_fd_.get(), checksum,
                        [&] {
                            return ::linkat(AT_FDCWD, proc.c_str(), objects_fd_.get(), rel.c_str(),
                                            AT_SYMLINK_FOLLOW);
                        }) != 0 &&
        errno != EEXIST) {
        throw_errno("cannot store object", checksum);
    }
}

// ---- refs ----

void Repo::check_ref_name(const std::string& ref) {
    auto bad = [&](const char* why) {
        throw InvalidError(fmt::format("invalid ref name '{}': {}", ref, why));
    };
    if (ref.empty())
        bad("empty");
    if (ref.size() > 255)
        bad("too long");
    if (ref.front() == '/' || ref.back() == '/')
        bad("leading or trailing '/'");
    size_t start = 0;
    while (start <= ref.size()) {
        size_t end = ref.find('/', start);
        if (end == std::string::npos)
            end = ref.size();
        std::string part = ref.substr(start, end - start);
        if (part.empty())
            bad("empty component");
        if (part == "." || part == ".." || part.front() == '.')
            bad("component starts with '.'");
        for (char c : part) {
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                  c == '-')) {
                bad("only letters, digits, '.', '_', '-' and '/' are allowed");
            }
        }
        start = end + 1;
    }
}

static std::string ref_file(const std::string& ref) {
    auto colon = ref.find(':');
    if (colon == std::string::npos) {
        Repo::check_ref_name(ref);
        return "refs/heads/" + ref;
    }
    std::string remote = ref.substr(0, colon);
    std::string name = ref.substr(colon + 1);
    if (!path::is_valid_name(remote)) {
        throw InvalidError(fmt::format("invalid remote name in '{}'", ref));
    }
    Repo::check_ref_name(remote);
    Repo::check_ref_name(name);
    return "refs/remotes/" + remote + "/" + name;
}

std::optional<std::string> Repo::read_ref(const std::string& ref) const {
    std::string file = ref_file(ref);
    struct stat st;
    if (!fs::lstat_at_if_exists(dir_fd_.get(), file, st) || !S_ISREG(st.st_mode)) {
        return std::nullopt;
    }
    std::string value = fs::read_file_at(dir_fd_.get(), file);
    while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
    if (!is_valid_checksum(value)) {
        throw CorruptError(fmt::format("ref '{}' is corrupt: '{}' is not a checksum", ref, value));
    }
    return value;
}

void Repo::write_ref(const std::string& ref, const std::string& commit) {
    if (!is_valid_checksum(commit)) {
        throw InvalidError(fmt::format("invalid commit checksum '{}'", commit));
    }
    std::string file = ref_file(ref);
    auto slash = file.rfind('/');
    fs::mkdir_p_at(dir_fd_.get(), file.substr(0, slash));
    fs::write_file_atomic(dir_fd_.get(), file, commit + "\n");
}

void Repo::delete_ref(const std::string& ref) {
    std::string file = ref_file(ref);
    if (::unlinkat(dir_fd_.get(), file.c_str(), 0) != 0) {
        if (errno == ENOENT)
            throw NotFoundError(fmt::format("no ref '{}'", ref));
        throw_errno("cannot delete ref", ref);
    }
}

static void collect_refs(int dirfd, const std::string& prefix,
                         std::map<std::string, std::string>& out, const Repo& repo,
                         const std::string& remote) {
    for (const auto& name : fs::list_dir(dirfd)) {
        if (name.rfind(".tmp-", 0) == 0)
            continue;
        struct stat st = fs::lstat_at(dirfd, name);
        std::string ref = prefix.empty() ? name : prefix + "/" + name;
        if (S_ISDIR(st.st_mode)) {
            UniqueFd sub = fs::open_dir(dirfd, name);
            collect_refs(sub.get(), ref, out, repo, remote);
        } else if (S_ISREG(st.st_mode)) {
            std::string full = remote.empty() ? ref : remote + ":" + ref;
            if (auto value = repo.read_ref(full))
                out[full] = *value;
        }
    }
}

std::map<std::string, std::string> Repo::list_refs() const {
    std::map<std::string, std::string> out;
    UniqueFd heads = fs::open_dir(dir_fd_.get(), "refs/heads");
    collect_refs(heads.get(), "", out, *this, "");
    UniqueFd remotes = fs::open_dir(dir_fd_.get(), "refs/remotes");
    for (const auto& remote : fs::list_dir(remotes.get())) {
        UniqueFd rdir = fs::open_dir(remotes.get(), remote);
        collect_refs(rdir.get(), "", out, *this, remote);
    }
    return out;
}

std::string Repo::resolve_rev(const std::string& rev) const {
    // "REV^" is the parent of REV (as in ostree and git).
    if (!rev.empty() && rev.back() == '^') {
        std::string child = resolve_rev(rev.substr(0, rev.size() - 1));
        std::string parent = read_commit(child).parent;
        if (parent.empty())
            throw NotFoundError(fmt::format("{}: commit has no parent", rev));
        if (!has_object(parent, ObjectType::Commit)) {
            throw NotFoundError(
                fmt::format("{}: parent commit {} is not in the repository", rev, parent));
        }
        return parent;
    }
    if (is_valid_checksum(rev)) {
        if (!has_object(rev, ObjectType::Commit)) {
            throw NotFoundError(fmt::format("commit {} not found", rev));
        }
        return rev;
    }
    bool looks_like_prefix = rev.size() >= 4 && rev.size() < 64 &&
                             rev.find_first_not_of("0123456789abcdef") == std::string::npos;
    // A ref wins over a commit prefix of the same spelling (a hex prefix is always a valid ref
    // name, so this cannot throw for it).
    if (auto value = read_ref(rev))
        return *value;
    if (!looks_like_prefix)
        throw NotFoundError(fmt::format("no ref '{}'", rev));
    // Unique prefix of a stored commit.
    UniqueFd sub = fs::open_dir_if_exists(objects_fd_.get(), rev.substr(0, 2));
    std::string found;
    if (sub) {
        std::string rest = rev.substr(2);
        for (const auto& name : fs::list_dir(sub.get())) {
            if (name.size() == 62 + 7 && name.compare(62, 7, ".commit") == 0 &&
                name.compare(0, rest.size(), rest) == 0) {
                if (!found.empty()) {
                    throw InvalidError(fmt::format("commit prefix '{}' is ambiguous", rev));
                }
                found = rev.substr(0, 2) + name.substr(0, 62);
            }
        }
    }
    if (found.empty())
        throw NotFoundError(fmt::format("no ref or commit '{}'", rev));
    return found;
}

bool Repo::is_partial(const std::string& commit) const {
    return fs::exists_at(dir_fd_.get(), "state/" + commit + ".partial");
}

void Repo::mark_partial(const std::string& commit, bool partial) {
    std::string file = "state/" + commit + ".partial";
    if (partial) {
        fs::write_file_atomic(dir_fd_.get(), file, "", 0644, false);
    } else if (::unlinkat(dir_fd_.get(), file.c_str(), 0) != 0 && errno != ENOENT) {
        throw_errno("cannot remove", file);
    }
}

// ---- remotes ----

std::vector<RemoteConfig> Repo::remotes() const {
    std::vector<RemoteConfig> out;
    auto config = read_config();
    if (config.contains("remotes") && config["remotes"].is_object()) {
        for (const auto& [name, value] : config["remotes"].items()) {
            out.push_back({name, value.value("url", "")});
        }
    }
    return out;
}

std::optional<RemoteConfig> Repo::find_remote(const std::string& name) const {
    for (auto& r : remotes()) {
        if (r.name == name)
            return r;
    }
    return std::nullopt;
}

void Repo::add_remote(const RemoteConfig& remote) {
    check_ref_name(remote.name);
    if (remote.name.find('/') != std::string::npos) {
        throw InvalidError(
            fmt::format("invalid remote name '{}': '/' is not allowed", remote.name));
    }
    bool file_url = remote.url.rfind("file:///", 0) == 0;
    bool http_url = remote.url.rfind("http://", 0) == 0 || remote.url.rfind("https://", 0) == 0;
    if (!file_url && !http_url) {
        throw InvalidError(fmt::format(
            "invalid remote URL '{}': expected file:///path, http:// or https://", remote.url));
    }
    auto config = read_config();
    if (config["remotes"].contains(remote.name)) {
        throw InvalidError(fmt::format("remote '{}' already exists", remote.name));
    }
    config["remotes"][remote.name] = {{"url", remote.url}};
    write_config(config);
}

void Repo::sync() const {
    fs::syncfs_fd(dir_fd_.get());
}

}  // namespace deploy::repo
