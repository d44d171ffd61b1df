// compose: treefile -> resolved package set -> fresh root -> commit.
#include "deploy/layering/compose.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "deploy/error.hpp"
#include "deploy/layering/resolve.hpp"
#include "deploy/layering/rpm_install.hpp"
#include "deploy/layering/signature.hpp"
#include "deploy/repo/commit_builder.hpp"
#include "package_metadata.hpp"
#include "work_dir.hpp"

namespace deploy::layering {

// Adds each package file's sha256 (when this run installed it) to the rpmdb listing.
nlohmann::json package_metadata(const std::string& root,
                                const std::vector<ResolvedPackage>& installed,
                                const nlohmann::json& inherited) {
    std::map<std::string, std::string> sha_by_name;
    for (const auto& entry : inherited) {
        if (entry.contains("sha256"))
            sha_by_name[entry.value("nevra", "")] = entry["sha256"];
    }
    std::map<std::string, std::string> new_by_name;
    for (const auto& p : installed)
        new_by_name[p.name] = p.sha256;
    nlohmann::json list = installed_packages(root);
    for (auto& entry : list) {
        if (auto it = new_by_name.find(entry["name"]); it != new_by_name.end())
            entry["sha256"] = it->second;
        else if (auto old = sha_by_name.find(entry["nevra"]); old != sha_by_name.end())
            entry["sha256"] = old->second;
    }
    return list;
}

ComposeResult compose(repo::Repo& repo, const Treefile& treefile, const std::string& cache_dir,
                      Progress& progress) {
    repo::Repo::check_ref_name(treefile.ref);
    WorkDir work(repo, "compose");
    fs::mkdir_p_at(work.fd(), "root");
    const std::string root = work.path() + "/root";

    ResolveRequest request;
    request.repos = treefile.repos;
    request.cache_dir =
        cache_dir.empty() ? work.path() + "/cache" : std::filesystem::absolute(cache_dir).string();
    request.install = treefile.packages;
    request.exclude = treefile.exclude;
    Resolution resolution = resolve(request, progress);
    // A treefile's gpgkey file:// URLs are paths of the composing host.
    verify_package_signatures(resolution.install, treefile.repos, "/", progress);
    progress.message(fmt::format("Installing {} packages", resolution.install.size()));
    run_rpm_transaction(work.path(), root, resolution.install, {}, progress);

    repo::CommitOptions options;
    options.branch = treefile.ref;
    options.version = treefile.version;
    options.subject = fmt::format("compose {} {}", treefile.ref, treefile.version);
    nlohmann::json repos = nlohmann::json::array();
    for (const auto& r : treefile.repos)
        repos.push_back({{"name", r.name}, {"baseurl", r.baseurl}});
    options.metadata = {{"packages", package_metadata(root, resolution.install, {})},
                        {"kernel_args", treefile.kernel_args},
                        {"compose", {{"repos", repos}, {"requested", treefile.packages}}}};
    ComposeResult result;
    result.packages = resolution.install.size();
    result.ref = treefile.ref;
    {
        ProgressTask task(progress, "commit");
        result.commit = repo::commit_tree(repo, work.fd(), "root", options, progress).commit;
    }
    return result;
}

}  // namespace deploy::layering
