// The writer lock of a sysroot: flock on a lock file that also records the holder's pid, so a
// second writer gets "busy: held by pid N".
#pragma once

#include <string>

#include "deploy/util/fd.hpp"

namespace deploy {

class WriterLock {
  public:
    // Takes the lock on dirfd/name without waiting; throws BusyError naming the holder.
    WriterLock(int dirfd, const std::string& name, const std::string& holder_description);
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;
    ~WriterLock();

  private:
    UniqueFd fd_;
};

}  // namespace deploy
