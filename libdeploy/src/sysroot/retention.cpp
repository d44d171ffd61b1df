#include "retention.hpp"

#include <algorithm>

#include "deploy/sysroot/sysroot.hpp"

namespace deploy::sysroot {

std::vector<Deployment> retained_list(const Deployment& fresh, const std::vector<Deployment>& old,
                                      std::vector<std::string>& dropped) {
    std::vector<Deployment> out{fresh};
    // The rollback: the booted deployment, or the old default when nothing here is booted.
    const size_t none = old.size();
    size_t rollback = Sysroot::booted_index(old).value_or(old.empty() ? none : 0);
    for (size_t i = 0; i < old.size(); ++i) {
        if (old[i].id() == fresh.id())
            continue;  // never listed twice
        if (i == rollback || old[i].origin.pinned) {
            out.push_back(old[i]);
        } else {
            dropped.push_back(old[i].id());
        }
    }
    // Keep the rollback directly after the new default.
    if (rollback != none && out.size() > 2) {
        auto it = std::find_if(out.begin() + 1, out.end(),
                               [&](const Deployment& d) { return d.id() == old[rollback].id(); });
        if (it != out.end())
            std::rotate(out.begin() + 1, it, it + 1);
    }
    return out;
}

std::optional<size_t> rollback_index(const std::vector<Deployment>& list) {
    auto booted = Sysroot::booted_index(list);
    if (booted && *booted != 0)
        return booted;
    if (list.size() >= 2)
        return 1;
    return std::nullopt;
}

}  // namespace deploy::sysroot
