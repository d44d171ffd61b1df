// The /etc 3-way merge.
//
// Inputs: the merge deployment's defaults (its usr/etc) and the admin's /etc (its etc), and the
// new deployment's defaults (its usr/etc). Output: a new etc directory = the new defaults with
// the admin's changes applied, following OSTree's rule:
//   - a file/symlink/dir the admin modified or added is kept whole (content, mode, ownership,
//     xattrs, symlink target), replacing the new default;
//   - a file the admin deleted stays deleted;
//   - a file the admin never touched follows the new defaults;
//   - an admin-modified/added non-directory whose new default is a directory, or an admin
//     directory whose new default is a non-directory, is a ConflictError naming the path.
// Beyond OSTree: a conflict (admin modified it AND the new default differs from the old default)
// is reported in MergeResult::conflicts.
#pragma once

#include <string>
#include <vector>

namespace deploy::etc {

struct EtcChange {
    char status;       // 'M' modified, 'A' added, 'D' deleted
    std::string path;  // relative to etc, e.g. "ssh/sshd_config"
    bool operator==(const EtcChange&) const = default;
};

// What the admin changed: defaults_dirfd (usr/etc) vs etc_dirfd (etc), sorted by path.
// A changed directory's metadata is an 'M' on the directory; an added or deleted directory is one
// entry (its children are not listed).
std::vector<EtcChange> diff_etc(int defaults_dirfd, int etc_dirfd);

struct MergeResult {
    std::vector<EtcChange> applied;      // the admin's changes carried over
    std::vector<std::string> conflicts;  // paths changed by both the admin and the new defaults
};

// Creates dest_parent_dirfd/dest_name (must not exist) as the merged etc. Regular files are
// copied, never hardlinked, so the admin's later edits cannot touch the store. On error the
// partial dest is removed and the error names the path.
MergeResult merge_etc(int old_defaults_dirfd, int old_etc_dirfd, int new_defaults_dirfd,
                      int dest_parent_dirfd, const std::string& dest_name);

}  // namespace deploy::etc
