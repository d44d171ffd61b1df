// Hashing one source file and storing it as a file object (internal to the repo module).
#pragma once

#include <sys/stat.h>

#include <string>
#include <unordered_map>

#include "deploy/repo/repo.hpp"

namespace deploy::repo {

// inode -> checksum of this repo's file objects, so a file hardlinked from a checkout is known
// without reading it.
class ObjectInodeIndex {
  public:
    explicit ObjectInodeIndex(const Repo& repo) : repo_(repo) {}
    // The checksum proven by the inode, or "" when the file is not (provably) a stored object.
    std::string lookup(const struct stat& st);

  private:
    void build();
    const Repo& repo_;
    bool built_ = false;
    std::unordered_map<ino_t, std::string> by_inode_;
};

struct StoredFile {
    std::string checksum;
    bool new_object = false;
    uint64_t bytes_hashed = 0;
};

// Hashes dirfd/path (a regular file or symlink with the given lstat) and writes the object if
// the repo does not have it. The object gets mtime 0 so later hardlinked checkouts are
// recognisable as unmodified.
StoredFile store_file_object(Repo& repo, int dirfd, const std::string& path, const struct stat& st);

// Stages a file object in repo tmp/ from content_fd (or a symlink target) and publishes it.
void write_file_object(Repo& repo, const FileHeader& header, int content_fd,
                       const std::string& checksum, const std::string& what);

}  // namespace deploy::repo
