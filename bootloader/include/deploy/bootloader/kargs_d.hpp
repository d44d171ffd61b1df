// Kernel arguments a tree asks for, like bootc's kargs.d: every usr/lib/kargs.d/*.kargs file of
// the tree, in name order. A file is either JSON (an array of strings, or {"kargs": [...]}) or
// plain text (arguments separated by white space, `#` starts a comment line).
#pragma once

#include <string>
#include <vector>

namespace deploy::boot {

// Arguments of one kargs.d file; InvalidError naming `name` for malformed JSON, a value with a
// line break or control character, or a deploy= argument (managed by deployd).
std::vector<std::string> parse_kargs_file(const std::string& text, const std::string& name);

// All usr/lib/kargs.d/*.kargs of the tree (symlinks and other files are ignored), in order.
std::vector<std::string> read_kargs_d(int tree_dirfd);

// `extra` appended to `base` without duplicates (first occurrence kept).
std::vector<std::string> append_unique(std::vector<std::string> base,
                                       const std::vector<std::string>& extra);

// The kernel arguments of a deployment that inherits `current` from the previous default, when
// the tree's own arguments change from `old_tree` to `new_tree`: what the old tree asked for and
// the new one no longer does is removed, what the new one adds is appended, the admin's own
// edits are kept (an argument the admin deleted stays deleted while the tree keeps asking).
std::vector<std::string> merge_tree_kargs(const std::vector<std::string>& current,
                                          const std::vector<std::string>& old_tree,
                                          const std::vector<std::string>& new_tree);

}  // namespace deploy::boot
