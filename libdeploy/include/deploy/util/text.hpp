// Small text helpers for the line-based config formats we parse (deployd.conf, .repo files, the
// [Boot] section).
#pragma once

#include <string>

namespace deploy::text {

// `s` without leading and trailing spaces, tabs and carriage returns.
std::string trim(const std::string& s);

}  // namespace deploy::text
