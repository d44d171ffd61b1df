// The content-addressed store on disk.
//
//   <repo>/config                  JSON: format version, remotes
//   <repo>/objects/ab/cdef....T    objects by checksum; T = file|dirtree|dirmeta|commit
//   <repo>/refs/heads/<ref>        local refs (a commit checksum and a newline)
//   <repo>/refs/remotes/<r>/<ref>  refs pulled from remote <r>
//   <repo>/state/<commit>.partial  commits whose tree has not been pulled (history only)
//   <repo>/tmp/                    staging for objects being written
//
// File objects are stored "bare": the object file has the mode, owner and xattrs of the content
// and mtime 0, so a checkout is a hardlink. Objects are never modified once renamed into place;
// writers stage under tmp/ and rename. Durability comes from one syncfs per transaction (sync()).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "deploy/repo/object.hpp"
#include "deploy/util/fd.hpp"

namespace deploy::repo {

struct RemoteConfig {
    std::string name;
    std::string url;  // file:///path or http(s)://...
};

class Repo {
  public:
    static Repo init(const std::string& path);  // creates the layout; fine if it exists
    static Repo open(const std::string& path);  // NotFound / Invalid if not a repo

    Repo(Repo&&) = default;
    Repo& operator=(Repo&&) = default;

    const std::string& path() const { return path_; }
    int dir_fd() const { return dir_fd_.get(); }
    int objects_fd() const { return objects_fd_.get(); }
    int tmp_fd() const { return tmp_fd_.get(); }
    dev_t device() const { return device_; }

    // "ab/cdef....type" relative to objects_fd().
    static std::string object_relpath(const std::string& checksum, ObjectType type);
    bool has_object(const std::string& checksum, ObjectType type) const;

    // Writes a metadata object (dirtree, dirmeta, commit) unless present; returns its checksum.
    std::string write_metadata(ObjectType type, const std::string& data);
    // Reads a metadata object and verifies its checksum; CorruptError / NotFoundError naming it.
    std::string read_metadata(const std::string& checksum, ObjectType type) const;
    DirTree read_dirtree(const std::string& checksum) const;
    DirMeta read_dirmeta(const std::string& checksum) const;
    Commit read_commit(const std::string& checksum) const;

    // Moves a fully written staged file (in tmp/) into place as the object; no-op if present.
    void publish_staged_file(const std::string& tmp_name, const std::string& checksum);
    // Same for a complete O_TMPFILE file opened in tmp/ (no name to clean up after a crash).
    void publish_anonymous_file(int fd, const std::string& checksum);

    // Refs. Names are slash-separated valid components of [A-Za-z0-9._-]; "remote:ref" addresses
    // a remote ref.
    static void check_ref_name(const std::string& ref);
    std::optional<std::string> read_ref(const std::string& ref) const;
    void write_ref(const std::string& ref, const std::string& commit);  // atomic + durable
    void delete_ref(const std::string& ref);
    std::map<std::string, std::string> list_refs() const;  // includes "remote:ref" entries
    // A ref, "remote:ref", a full checksum, or a unique checksum prefix (>= 4 chars) -> commit.
    std::string resolve_rev(const std::string& rev) const;

    bool is_partial(const std::string& commit) const;
    void mark_partial(const std::string& commit, bool partial);

    std::vector<RemoteConfig> remotes() const;
    std::optional<RemoteConfig> find_remote(const std::string& name) const;
    void add_remote(const RemoteConfig& remote);  // Invalid if the name exists or url is bad

    // One syncfs for everything written so far (objects, refs are fsynced individually).
    void sync() const;

  private:
    Repo() = default;
    void open_fds();
    nlohmann::json read_config() const;
    void write_config(const nlohmann::json& config);

    std::string path_;
    UniqueFd dir_fd_;
    UniqueFd objects_fd_;
    UniqueFd tmp_fd_;
    dev_t device_ = 0;
};

}  // namespace deploy::repo
