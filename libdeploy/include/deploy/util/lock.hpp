// The writer lock of a sysroot: flock on a lock file that also records the holder's pid, so a
// second writer gets "busy: held by pid N".
#pragma once

#include <string>

#include "deploy/util/fd.hpp"

namespace deploy {

class WriterLock {
  public:
    // Takes the lock on dirfd/name without waiting; throws BusyError naming the holder. The lock
    // file is truncated and rewritten, so anything but a regular file with one link owned by the
    // caller (root, for the daemon) is refused with InvalidError: a hardlink planted at the lock's
    // name would otherwise get another file truncated. display_path names the file in errors.
    WriterLock(int dirfd, const std::string& name, const std::string& display_path,
               const std::string& holder_description);
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    ~WriterLock();

  private:
    UniqueFd fd_;
};

}  // namespace deploy
