// Resolution: repos + installed set into one pool, the request as a libsolv job, the transaction
// back as files to install.
#include <fmt/format.h>

extern "C" {
// repo.h first: the repo_add_* headers use its types without including them.
#include <solv/repo.h>

#include <solv/knownid.h>
#include <solv/repo_rpmdb.h>
#include <solv/selection.h>
}

#include <map>
#include <memory>
#include <set>

#include "deploy/layering/resolve.hpp"
#include "fetch.hpp"
#include "solv_loaders.hpp"
#include "solv_solver.hpp"

namespace deploy::layering {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string basename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Name or provide -> selection; empty when nothing matches.
void select(solv::Pool& pool, const std::string& spec, int flags, solv::IdQueue& out) {
    out.clear();
    selection_make(pool.get(), out.get(), spec.c_str(), flags);
}

}  // namespace

ResolveError::ResolveError(std::vector<std::string> problems)
    : Error(ErrorKind::Conflict, "cannot resolve the package request: " + join(problems, "; ")),
      problems_(std::move(problems)) {}

Resolution resolve(const ResolveRequest& request, Progress& progress) {
    ProgressTask task(progress, "resolve");
    solv::Pool pool;
    // Declared after the pool: freed before it.
    std::vector<std::unique_ptr<solv::Repo>> repos;

    if (!request.installed_root.empty()) {
        repos.push_back(std::make_unique<solv::Repo>(pool, "@System"));
        load_installed(pool, *repos.back(), request.installed_root);
        pool_set_installed(pool.get(), repos.back()->get());
    }
    std::map<::Repo*, const RepoSource*> source_of;
    for (const auto& source : request.repos) {
        if (!source.enabled)
            continue;
        repos.push_back(std::make_unique<solv::Repo>(pool, source.name));
        load_rpmmd_repo(pool, *repos.back(), source, request.cache_dir, progress);
        source_of[repos.back()->get()] = &source;
    }
    std::map<Id, std::string> local_path;
    std::vector<Id> replacements;
    if (!request.local_rpms.empty() || !request.replace_local_rpms.empty()) {
        repos.push_back(std::make_unique<solv::Repo>(pool, "@local"));
        auto add = [&](const std::string& path) {
            Id p = repo_add_rpm(repos.back()->get(), path.c_str(),
                                REPO_REUSE_REPODATA | REPO_NO_INTERNALIZE);
            if (!p) {
                throw InvalidError(
                    fmt::format("{}: not a readable rpm package: {}", path, pool.last_error()));
            }
            local_path[p] = path;
            return p;
        };
        for (const auto& path : request.local_rpms)
            add(path);
        for (const auto& path : request.replace_local_rpms)
            replacements.push_back(add(path));
        repo_internalize(repos.back()->get());
    }
    pool.finalize();

    solv::IdQueue job;
    solv::IdQueue sel;
    std::vector<std::string> missing;
    for (const auto& spec : request.install) {
        select(pool, spec, SELECTION_NAME | SELECTION_PROVIDES | SELECTION_CANON | SELECTION_REL,
               sel);
        if (sel.size() == 0)
            missing.push_back(spec);
        for (int i = 0; i + 1 < sel.size(); i += 2)
            job.push2(sel[i] | SOLVER_INSTALL, sel[i + 1]);
    }
    if (!missing.empty()) {
        throw NotFoundError(
            fmt::format("no package provides {} in the enabled repositories", join(missing, ", ")));
    }
    for (const auto& path : request.local_rpms) {
        for (const auto& [p, where] : local_path) {
            if (where == path)
                job.push2(SOLVER_INSTALL | SOLVER_SOLVABLE, p);
        }
    }
    for (const auto& name : request.remove) {
        select(pool, name, SELECTION_NAME | SELECTION_INSTALLED_ONLY, sel);
        if (sel.size() == 0)
            throw NotFoundError(fmt::format("package '{}' is not installed", name));
        for (int i = 0; i + 1 < sel.size(); i += 2)
            job.push2(sel[i] | SOLVER_ERASE, sel[i + 1]);
    }
    // Excluded names are locked: not installed means never installed.
    for (const auto& name : request.exclude)
        job.push2(SOLVER_LOCK | SOLVER_SOLVABLE_NAME, pool.str2id(name));
    // Layering adds to the base; it never changes the base's own packages behind the admin's
    // back: every installed package is locked but those named for removal or replacement.
    std::set<Id> unlocked_names;
    for (const auto& name : request.remove)
        unlocked_names.insert(pool.str2id(name));
    for (Id p : replacements) {
        Id name = pool.solvable(p)->name;
        bool installed = false;
        if (::Repo* inst = pool.get()->installed) {
            Id q;
            Solvable* s;
            FOR_REPO_SOLVABLES(inst, q, s) installed = installed || s->name == name;
        }
        if (!installed) {
            throw NotFoundError(fmt::format(
                "{} does not replace a base package (no '{}' installed): use 'install' to add it",
                pool.nevra(p), pool_id2str(pool.get(), name)));
        }
        unlocked_names.insert(name);
        job.push2(SOLVER_INSTALL | SOLVER_SOLVABLE, p);
    }
    if (::Repo* inst = pool.get()->installed) {
        Id p;
        Solvable* s;
        FOR_REPO_SOLVABLES(inst, p, s) {
            if (!unlocked_names.count(s->name))
                job.push2(SOLVER_LOCK | SOLVER_SOLVABLE, p);
        }
    }

    solv::Solver solver(pool);
    // Images stay lean: weak dependencies are the admin's to request.
    solver.set_flag(SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
    // `override replace` may go back a version on purpose.
    if (!replacements.empty())
        solver.set_flag(SOLVER_FLAG_ALLOW_DOWNGRADE, 1);
    auto problems = solver.solve(job);
    if (!problems.empty())
        throw ResolveError(std::move(problems));

    Resolution result;
    solv::Transaction trans = solver.transaction();
    for (Id p : trans.ordered_steps()) {
        Solvable* s = pool.solvable(p);
        ResolvedPackage pkg;
        pkg.name = pool.name(p);
        pkg.nevra = pool.nevra(p);
        pkg.repo = s->repo->name ? s->repo->name : "";
        if (s->repo == pool.get()->installed) {
            int type = transaction_type(trans.get(), p, SOLVER_TRANSACTION_SHOW_ACTIVE);
            if (type == SOLVER_TRANSACTION_ERASE)
                result.erase.push_back(pkg);
            continue;  // replaced ones go with the install of their successor
        }
        if (auto local = local_path.find(p); local != local_path.end()) {
            pkg.path = local->second;
            pkg.sha256 = file_sha256(pkg.path);
            result.install.push_back(pkg);
            continue;
        }
        const RepoSource& source = *source_of.at(s->repo);
        unsigned medianr = 0;
        const char* location = solvable_lookup_location(s, &medianr);
        Id sum_type = 0;
        const char* sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &sum_type);
        if (!location)
            throw CorruptError(
                fmt::format("repository '{}': {} has no location", source.name, pkg.nevra));
        if (!request.fetch_packages) {
            pkg.path = url_join(source.baseurl, location);
            result.install.push_back(pkg);
            continue;
        }
        std::string cached =
            request.cache_dir + "/" + source.name + "/packages/" + basename_of(location);
        pkg.path = fetch_to_local(url_join(source.baseurl, location), cached, progress);
        pkg.sha256 = file_sha256(pkg.path);
        if (sum_type == REPOKEY_TYPE_SHA256 && sum && pkg.sha256 != sum) {
            throw CorruptError(fmt::format(
                "package {} from repository '{}' does not match its checksum (expected {}, got {})",
                pkg.nevra, source.name, sum, pkg.sha256));
        }
        result.install.push_back(pkg);
    }
    return result;
}

}  // namespace deploy::layering
