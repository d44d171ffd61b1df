// Where packages come from: rpm-md repositories, configured like dnf (/etc/yum.repos.d/*.repo) on
// a sysroot, or listed in a compose treefile.
#pragma once

#include <string>
#include <vector>

namespace deploy::layering {

struct RepoSource {
    std::string name;     // the [section] id
    std::string baseurl;  // file:///path or http(s)://...
    bool enabled = true;
    bool gpgcheck = false;
    std::string gpgkey;
};

// Parses every *.repo file in dir (INI: [id], baseurl=, enabled=, gpgcheck=, gpgkey=), in name
// order. A missing directory gives no repos; a repo without baseurl is an InvalidError naming it.
std::vector<RepoSource> read_repo_files(const std::string& dir);
// Parses the text of one .repo file; `what` names it in errors.
std::vector<RepoSource> parse_repo_file(const std::string& text, const std::string& what);

}  // namespace deploy::layering
