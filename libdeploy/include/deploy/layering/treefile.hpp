// The input of `deployctl compose`: which packages, from which repositories, make the base tree.
#pragma once

#include <string>
#include <vector>

#include "deploy/layering/repo_source.hpp"

namespace deploy::layering {

struct Treefile {
    std::string ref;
    std::string version;
    std::vector<RepoSource> repos;
    std::vector<std::string> packages;
    std::vector<std::string> exclude;
    std::vector<std::string> kernel_args;
};

// JSON: {"ref","version"?,"repos":[{"name","baseurl","gpgcheck"?,"gpgkey"?}],"packages":[...],
// "exclude"?,"kernel_args"?}. A repo's gpgkey file:// URLs are paths of the composing host.
// InvalidError naming the file and the field on bad input.
Treefile parse_treefile(const std::string& json_text, const std::string& what);
Treefile read_treefile(const std::string& path);

}  // namespace deploy::layering
