// /proc, /dev, /tmp and /var/tmp for one scriptlet, attached by the mounter process (see
// confine.hpp) on directories the tree already has, and taken away again before librpm installs
// more files (so no package file lands on one of them). The tree is the mount namespace's root.
// Everything is fd-based with the new mount API: targets are opened relative to the root without
// following symlinks, so a tree cannot redirect a mount.
#pragma once

#include <string>
#include <vector>

#include "deploy/util/fd.hpp"

namespace deploy::rpm_helper {

class ScriptletMounts {
  public:
    ScriptletMounts();
    ~ScriptletMounts();
    ScriptletMounts(const ScriptletMounts&) = delete;
    ScriptletMounts& operator=(const ScriptletMounts&) = delete;

    void set_up();
    void take_down();

  private:
    void attach(UniqueFd mount, const std::string& dir);
    void mount_proc();
    void mount_dev();
    void mount_tmp(const std::string& dir);

    UniqueFd root_;
    std::vector<std::string> mounted_;
};

}  // namespace deploy::rpm_helper
