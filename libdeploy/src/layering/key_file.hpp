// Reading the OpenPGP key a gpgkey= URL names.
#pragma once

#include <string>

#include "deploy/util/progress.hpp"

namespace deploy::layering {

// The bytes of one key URL. file:///path is opened inside key_root with openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS): symlinks resolve as if key_root were /, so none leads out of the tree;
// it must be a regular file. http(s):// is downloaded (libcurl, fetch.hpp). Throws Error naming
// the URL; nothing is left behind.
std::string read_key_url(const std::string& url, const std::string& key_root,
                         const Progress& progress);

}  // namespace deploy::layering
