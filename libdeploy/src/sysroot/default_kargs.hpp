// Which kernel arguments a new deployment gets.
#pragma once

#include <string>
#include <vector>

#include "deploy/repo/repo.hpp"
#include "deploy/sysroot/operations.hpp"

namespace deploy::sysroot {

// What a tree asks for, validated and canonical: the commit's `kernel_args` metadata (treefile
// kernel_args; errors "commit <id>: metadata kernel_args: ..."), then usr/lib/kargs.d/*.kargs
// of the checked-out tree.
std::vector<std::string> tree_kargs(int tree_dirfd, const repo::Commit& commit,
                                    const std::string& commit_id);

// An explicit request (kargs edit) as given. Otherwise the previous default's arguments with the
// change of its tree's arguments to the new tree's applied (see boot::merge_tree_kargs); with
// no previous deployment, the sysroot-wide defaults followed by the tree's.
std::vector<std::string> kargs_for_new_deployment(const Sysroot& sysroot,
                                                  const DeployRequest& request,
                                                  const std::vector<Deployment>& old,
                                                  const repo::Commit& commit, int tree_dirfd);

}  // namespace deploy::sysroot
