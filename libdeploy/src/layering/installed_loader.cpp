#include <fcntl.h>
#include <fmt/format.h>

#include <cstring>

extern "C" {
#include <solv/repo.h>
// After repo.h: uses its types.
#include <solv/pool_parserpmrichdep.h>
}

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "rpm_handles.hpp"
#include "rpm_session.hpp"
#include "solv_loaders.hpp"

namespace deploy::layering {

namespace {

// rpm sense flags -> a libsolv dependency id; 0 for what libsolv should not see (rpmlib()
// capabilities are satisfied by librpm itself). Rich dependencies ("(a if b)") are parsed by
// libsolv's own rpm rich-dependency parser, as its rpmdb loader does.
Id dep_id(solv::Pool& pool, const char* name, const char* evr, rpmsenseFlags flags) {
    if (!name || !*name || std::strncmp(name, "rpmlib(", 7) == 0)
        return 0;
    if (name[0] == '(')
        return pool_parserpmrichdep(pool.get(), name);
    Id id = pool.str2id(name);
    if (!evr || !*evr)
        return id;
    int rel = 0;
    if (flags & RPMSENSE_LESS)
        rel |= REL_LT;
    if (flags & RPMSENSE_GREATER)
        rel |= REL_GT;
    if (flags & RPMSENSE_EQUAL)
        rel |= REL_EQ;
    if (rel == 0)
        return id;
    return pool_rel2id(pool.get(), id, pool.str2id(evr), rel, 1);
}

Offset add_deps(solv::Pool& pool, solv::Repo& repo, const rpm::HeaderRef& h, rpmTagVal tag,
                Offset into) {
    rpm::DepSet ds(h, tag);
    while (ds.next()) {
        if (Id id = dep_id(pool, ds.name(), ds.evr(), ds.flags()))
            into = repo_addid_dep(repo.get(), into, id, 0);
    }
    return into;
}

}  // namespace

void load_installed(solv::Pool& pool, solv::Repo& repo, const std::string& root) {
    if (!fs::exists_at(AT_FDCWD, root + rpm::kDbPath))
        return;
    rpm::RpmSession session;
    rpm::DbLeftoverCleanup cleanup(root);  // runs after the Ts below has closed the db
    rpm::Ts ts;
    rpmtsSetRootDir(ts.get(), root.c_str());
    rpm::DbIterator it(ts, RPMDBI_PACKAGES);
    while (Header raw = it.next()) {
        auto h = rpm::HeaderRef::link(raw);
        std::string name = h.str(RPMTAG_NAME);
        if (name == "gpg-pubkey")
            continue;
        Id p = repo_add_solvable(repo.get());
        Solvable* s = pool.solvable(p);
        s->name = pool.str2id(name);
        std::string evr = h.as_string(RPMTAG_EVR);
        s->evr = pool.str2id(evr);
        std::string arch = h.str(RPMTAG_ARCH);
        s->arch = pool.str2id(arch.empty() ? "noarch" : arch);
        s->dep_provides = add_deps(pool, repo, h, RPMTAG_PROVIDENAME, s->dep_provides);
        s->dep_provides = repo_addid_dep(repo.get(), s->dep_provides,
                                         pool_rel2id(pool.get(), s->name, s->evr, REL_EQ, 1), 0);
        // Files are provides too: "Requires: /bin/sh" is satisfied by the file itself.
        for (const auto& file : h.strings(RPMTAG_FILENAMES))
            s->dep_provides = repo_addid_dep(repo.get(), s->dep_provides, pool.str2id(file), 0);
        s->dep_requires = add_deps(pool, repo, h, RPMTAG_REQUIRENAME, s->dep_requires);
        s->dep_conflicts = add_deps(pool, repo, h, RPMTAG_CONFLICTNAME, s->dep_conflicts);
        s->dep_obsoletes = add_deps(pool, repo, h, RPMTAG_OBSOLETENAME, s->dep_obsoletes);
    }
    const std::string errors = session.log().errors();
    if (!errors.empty())
        throw CorruptError(fmt::format("cannot read the rpmdb of {}: {}", root, errors));
    repo_internalize(repo.get());
}

}  // namespace deploy::layering
