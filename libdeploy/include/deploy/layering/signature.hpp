// gpgcheck: OpenPGP signature checking of the packages a repository serves, against the keys its
// gpgkey= names (dnf's semantics, but each repo's packages are checked against that repo's keys
// only, never against keys imported into an rpmdb).
#pragma once

#include <string>
#include <vector>

#include "deploy/layering/repo_source.hpp"
#include "deploy/layering/resolve.hpp"
#include "deploy/util/progress.hpp"

namespace deploy::layering {

// The key URLs of a gpgkey= value, in order: separated by whitespace and/or commas.
std::vector<std::string> split_gpgkey_urls(const std::string& value);

// For every package whose repo (ResolvedPackage::repo == RepoSource::name) has gpgcheck=1,
// requires a valid signature by one of that repo's keys. Keys are file:///path, read inside
// key_root (symlinks are resolved as if key_root were /, so none leads out of it; "/" reads host
// paths), or http(s):// URLs. Packages from "@local" (files given on the command line) are not
// checked. A SignatureError naming the package and the repo refuses an unsigned package, one
// signed by a key not among the repo's, a bad signature or digest, gpgcheck=1 without gpgkey, and
// a key that cannot be read or is not an OpenPGP public key. Changes nothing.
void verify_package_signatures(const std::vector<ResolvedPackage>& packages,
                               const std::vector<RepoSource>& repos, const std::string& key_root,
                               Progress& progress);

}  // namespace deploy::layering
