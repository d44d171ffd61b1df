// Internal to the /etc merge: the admin's changes, as found by walking defaults against etc.
#pragma once

#include <string>
#include <vector>

namespace deploy::etc::detail {

struct AdminChange {
    char status;        // 'M', 'A' or 'D' as in EtcChange
    std::string path;   // relative to etc
    bool dir_metadata;  // 'M' of a directory on both sides: only its own metadata changed, its
                        // children are listed separately
};

// Walks defaults_dirfd against etc_dirfd; sorted by path, so a parent comes before its children.
// Refuses (InvalidError) a device node, fifo or socket met on either side.
std::vector<AdminChange> collect_admin_changes(int defaults_dirfd, int etc_dirfd);

}  // namespace deploy::etc::detail
