#include <sys/stat.h>

#include <algorithm>
#include <iterator>

#include "admin_changes.hpp"
#include "deploy/etc/etc_merge.hpp"
#include "deploy/util/fs.hpp"
#include "etc_compare.hpp"
#include "etc_entry.hpp"

namespace deploy::etc {

namespace detail {

namespace {

// Sorted union of two sorted name lists.
std::vector<std::string> union_of(const std::vector<std::string>& a,
                                  const std::vector<std::string>& b) {
    std::vector<std::string> out;
    out.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

void walk(int defaults_fd, int etc_fd, const std::string& prefix, std::vector<AdminChange>& out) {
    for (const auto& name : union_of(fs::list_dir(defaults_fd), fs::list_dir(etc_fd))) {
        std::string path = fs::join(prefix, name);
        struct stat ds, es;
        bool in_defaults = fs::lstat_at_if_exists(defaults_fd, name, ds);
        bool in_etc = fs::lstat_at_if_exists(etc_fd, name, es);
        if (in_defaults)
            check_supported(ds, path);
        if (in_etc)
            check_supported(es, path);
        if (!in_etc) {
            out.push_back({'D', path, false});
            continue;
        }
        // Whatever the admin put in /etc is copied into the next deployment; refuse a device
        // or fifo hidden in an added or retyped tree now rather than halfway through a copy.
        bool etc_is_dir = S_ISDIR(es.st_mode);
        if (!in_defaults) {
            out.push_back({'A', path, false});
            if (etc_is_dir)
                check_tree_supported(fs::open_dir(etc_fd, name).get(), path);
            continue;
        }
        EntryRef d{defaults_fd, name, ds};
        EntryRef e{etc_fd, name, es};
        if (S_ISDIR(ds.st_mode) && etc_is_dir) {
            if (ds.st_dev == es.st_dev && ds.st_ino == es.st_ino)
                continue;
            if (!metadata_equal(d, e))
                out.push_back({'M', path, true});
            walk(fs::open_dir(defaults_fd, name).get(), fs::open_dir(etc_fd, name).get(), path,
                 out);
        } else if (!entries_equal(d, e)) {
            out.push_back({'M', path, false});
            if (etc_is_dir)
                check_tree_supported(fs::open_dir(etc_fd, name).get(), path);
        }
    }
}

}  // namespace

std::vector<AdminChange> collect_admin_changes(int defaults_dirfd, int etc_dirfd) {
    std::vector<AdminChange> out;
    walk(defaults_dirfd, etc_dirfd, "", out);
    // Plain byte order: what `etc diff` prints and what merge relies on (a parent sorts before
    // anything below it).
    std::sort(out.begin(), out.end(),
              [](const AdminChange& a, const AdminChange& b) { return a.path < b.path; });
    return out;
}

}  // namespace detail

std::vector<EtcChange> diff_etc(int defaults_dirfd, int etc_dirfd) {
    std::vector<EtcChange> out;
    for (auto& change : detail::collect_admin_changes(defaults_dirfd, etc_dirfd)) {
        out.push_back({change.status, std::move(change.path)});
    }
    return out;
}

}  // namespace deploy::etc
