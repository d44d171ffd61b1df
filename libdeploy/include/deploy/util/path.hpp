// Validation of untrusted names and paths (from objects, trees, callers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deploy::path {

// A single directory entry name: non-empty, not "." or "..", no '/', no NUL.
bool is_valid_name(std::string_view name);
// Throws InvalidError("<what>: invalid file name '<name>'") when not a valid name.
void check_name(std::string_view name, std::string_view what);

// Splits a relative path ("a/b/c", leading "/" tolerated) into validated components; rejects
// "..", empty components are skipped. Throws InvalidError naming the path.
std::vector<std::string> split_relative(std::string_view path);

}  // namespace deploy::path
