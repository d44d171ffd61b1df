// /etc/yum.repos.d/*.repo parsing: the subset of dnf's format the admin needs for layering.
#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "deploy/error.hpp"
#include "deploy/layering/repo_source.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/text.hpp"

namespace deploy::layering {

namespace {

using deploy::text::trim;

bool parse_bool(const std::string& value) {
    return value == "1" || value == "yes" || value == "true" || value == "True";
}

}  // namespace

std::vector<RepoSource> parse_repo_file(const std::string& text, const std::string& what) {
    std::vector<RepoSource> repos;
    std::istringstream in(text);
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';')
            continue;
        if (line.front() == '[' && line.back() == ']') {
            repos.push_back({});
            repos.back().name = trim(line.substr(1, line.size() - 2));
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || repos.empty())
            throw InvalidError(fmt::format("{}:{}: expected [repo] or key=value", what, lineno));
        std::string key = trim(line.substr(0, eq));
        std::string value = trim(line.substr(eq + 1));
        RepoSource& r = repos.back();
        if (key == "baseurl")
            r.baseurl = value;
        else if (key == "enabled")
            r.enabled = parse_bool(value);
        else if (key == "gpgcheck")
            r.gpgcheck = parse_bool(value);
        else if (key == "gpgkey")
            r.gpgkey = value;
        // name=, metadata_expire= etc. do not change what we resolve against.
    }
    for (const auto& r : repos) {
        if (r.name.empty())
            throw InvalidError(fmt::format("{}: a repository section has no id", what));
        if (r.enabled && r.baseurl.empty())
            throw InvalidError(
                fmt::format("{}: repository '{}' has no baseurl (metalink and "
                            "mirrorlist are not supported)",
                            what, r.name));
    }
    return repos;
}

std::vector<RepoSource> read_repo_files(const std::string& dir) {
    std::vector<RepoSource> repos;
    UniqueFd fd = fs::open_dir_if_exists(AT_FDCWD, dir);
    if (!fd)
        return repos;
    for (const auto& name : fs::list_dir(fd.get())) {
        if (name.size() < 6 || name.compare(name.size() - 5, 5, ".repo") != 0)
            continue;
        auto more = parse_repo_file(fs::read_file_at(fd.get(), name), dir + "/" + name);
        repos.insert(repos.end(), more.begin(), more.end());
    }
    return repos;
}

}  // namespace deploy::layering
