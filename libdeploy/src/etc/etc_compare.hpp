// Internal to the /etc merge: when two entries count as the same.
//
// "Same" covers everything the admin can change and a service can notice: type, permission bits,
// owner, group, xattrs (SELinux labels, ACLs, user.*), and the content or symlink target.
// Timestamps do not count: copying a tree changes them without changing what the file says.
#pragma once

#include <sys/stat.h>

#include <string>

namespace deploy::etc::detail {

// One side of a comparison: the entry name in the directory dirfd, already lstat'ed.
struct EntryRef {
    int dirfd;
    const std::string& name;
    const struct stat& st;
};

// Type, mode, owner, group and xattrs.
bool metadata_equal(const EntryRef& a, const EntryRef& b);
// metadata_equal plus content (regular files) or target (symlinks); a directory's children are
// not looked at.
bool entries_equal(const EntryRef& a, const EntryRef& b);
// entries_equal, and for directories the same children, recursively. path names the entry in
// errors (an unsupported file type found below it).
bool trees_equal(const EntryRef& a, const EntryRef& b, const std::string& path);

}  // namespace deploy::etc::detail
