// Local packages that callers pass as file descriptors (Install, OverrideReplace). The daemon runs
// as root and never opens a path a caller names: it reads the file the caller already opened,
// checks that it is a regular file holding a binary RPM package, and gives the engine a private
// copy, so what the engine reads can neither be swapped under it nor be a file only root may read.
#pragma once

#include <string>
#include <vector>

#include "deploy/util/fd.hpp"

namespace deployd {

struct LocalRpm {
    deploy::UniqueFd fd;    // our own close-on-exec duplicate of the caller's descriptor
    std::string argument;   // "local_packages[0]", for messages
    std::string file_name;  // "NAME-VERSION-RELEASE.ARCH.rpm", from the package's header
    std::string identity;   // device, inode, size, mtime: what makes two requests identical
};

// Checks every descriptor (a regular file open for reading, at most 4 GiB, a binary RPM
// package; no two of the same package) and keeps duplicates of them. InvalidError naming the
// argument ("local_packages[1]: ...") otherwise. Reads only the package header, with pread (the
// caller's file offset is left alone).
std::vector<LocalRpm> accept_local_rpms(const std::vector<int>& fds, const char* what);

// "NAME-VERSION-RELEASE.ARCH.rpm" of the package open at `fd`; InvalidError naming `argument`
// when the content is not a binary RPM package.
std::string rpm_file_name(int fd, const std::string& argument);

// The private copies of a request's packages, for the engine: a new directory (mode 0700) under
// $TMPDIR or /var/tmp, one NAME-VERSION-RELEASE.ARCH.rpm per package. Removed on destruction,
// that is when the transaction's work ends, however it ends.
class LocalRpmCopies {
  public:
    explicit LocalRpmCopies(const std::vector<LocalRpm>& packages);
    ~LocalRpmCopies();
    LocalRpmCopies(const LocalRpmCopies&) = delete;
    LocalRpmCopies& operator=(const LocalRpmCopies&) = delete;

    const std::vector<std::string>& paths() const { return paths_; }

  private:
    std::string dir_;
    std::vector<std::string> paths_;
};

}  // namespace deployd
