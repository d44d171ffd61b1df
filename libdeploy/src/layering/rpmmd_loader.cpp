#include <fmt/format.h>
#include <spdlog/spdlog.h>

extern "C" {
// repo.h first: the repo_add_* headers use its types without including them.
#include <solv/repo.h>

#include <solv/dataiterator.h>
#include <solv/knownid.h>
#include <solv/repo_repomdxml.h>
#include <solv/repo_rpmmd.h>
#include <solv/solv_xfopen.h>
}

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "fetch.hpp"
#include "solv_loaders.hpp"

namespace deploy::layering {

namespace {

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

struct MetadataFile {
    std::string location;  // relative to the baseurl
    std::string checksum;  // hex
    Id checksum_type = 0;
};

// The <data type="primary"> entry of the repomd.xml just loaded into repo.
MetadataFile find_metadata(solv::Pool& pool, solv::Repo& repo, const char* type) {
    MetadataFile found;
    Dataiterator di;
    dataiterator_init(&di, pool.get(), repo.get(), SOLVID_META, REPOSITORY_REPOMD_TYPE, type,
                      SEARCH_STRING);
    dataiterator_prepend_keyname(&di, REPOSITORY_REPOMD);
    if (dataiterator_step(&di)) {
        dataiterator_setpos_parent(&di);
        if (const char* loc = pool_lookup_str(pool.get(), SOLVID_POS, REPOSITORY_REPOMD_LOCATION))
            found.location = loc;
        if (const char* sum = pool_lookup_checksum(
                pool.get(), SOLVID_POS, REPOSITORY_REPOMD_CHECKSUM, &found.checksum_type))
            found.checksum = sum;
    }
    dataiterator_free(&di);
    return found;
}

bool file_exists(const std::string& path) {
    return ::access(path.c_str(), R_OK) == 0;
}

}  // namespace

void load_rpmmd_repo(solv::Pool& pool, solv::Repo& repo, const RepoSource& source,
                     const std::string& cache_dir, const Progress& progress) {
    const std::string repo_cache = cache_dir + "/" + source.name;
    std::string repomd = fetch_to_local(url_join(source.baseurl, "repodata/repomd.xml"),
                                        repo_cache + "/repomd.xml", progress);
    {
        File fp(std::fopen(repomd.c_str(), "r"), &std::fclose);
        if (!fp) {
            throw NotFoundError(fmt::format("repository '{}': cannot read {}: {}", source.name,
                                            repomd, std::strerror(errno)));
        }
        if (repo_add_repomdxml(repo.get(), fp.get(), 0) != 0) {
            throw CorruptError(fmt::format("repository '{}': invalid repomd.xml: {}", source.name,
                                           pool.last_error()));
        }
    }
    MetadataFile primary = find_metadata(pool, repo, "primary");
    if (primary.location.empty() || primary.checksum.empty()) {
        throw CorruptError(fmt::format(
            "repository '{}': repomd.xml lists no primary metadata with a checksum", source.name));
    }
    if (primary.checksum_type != REPOKEY_TYPE_SHA256) {
        throw CorruptError(
            fmt::format("repository '{}': primary metadata checksum is not sha256", source.name));
    }
    std::string url = url_join(source.baseurl, primary.location);
    std::string cached = repo_cache + "/" + primary.checksum + "-primary";
    // A primary already cached under its checksum is reused: repomd changed => new name.
    std::string local = file_exists(cached) && url.rfind("file://", 0) != 0
                            ? cached
                            : fetch_to_local(url, cached, progress);
    std::string actual = file_sha256(local);
    if (actual != primary.checksum) {
        throw CorruptError(fmt::format(
            "repository '{}': {} does not match the checksum in repomd.xml (expected {}, got {}); "
            "the repository metadata is corrupt or being updated",
            source.name, primary.location, primary.checksum, actual));
    }
    // solv_xfopen picks the decompressor from the name, so open the original name's suffix.
    std::string suffix = primary.location.substr(primary.location.rfind('.'));
    std::string named = local;
    if (local == cached) {
        named = cached + suffix;
        if (!file_exists(named) && ::link(cached.c_str(), named.c_str()) != 0)
            throw_errno("cannot link", named);
    }
    File fp(solv_xfopen(named.c_str(), "r"), &std::fclose);
    if (!fp)
        throw CorruptError(fmt::format("repository '{}': cannot open {}", source.name, named));
    if (repo_add_rpmmd(repo.get(), fp.get(), nullptr, 0) != 0) {
        throw CorruptError(fmt::format("repository '{}': cannot parse {}: {}", source.name,
                                       primary.location, pool.last_error()));
    }
    spdlog::debug("repository '{}': {} packages from {}", source.name, repo->nsolvables,
                  primary.location);
}

}  // namespace deploy::layering
