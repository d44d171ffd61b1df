// One librpm transaction into a tree, run inside the scriptlet sandbox (tools/deployd-rpm.cpp):
// scriptlets run (librpm chroots into the root for them), each one's output is captured on its
// own and reported, and a failing critical scriptlet (%pre, %preun) fails the transaction.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/util/fd.hpp"

namespace deploy::layering {

struct TransactionPackage {
    std::string path;   // install: the package file; erase: empty
    std::string name;   // erase: the installed package's name
    std::string nevra;  // erase: which installed version (empty: every one of that name)
};

struct TransactionRequest {
    std::string root;  // absolute; the rpmdb at usr/lib/sysimage/rpm is created when missing
    std::vector<TransactionPackage> install;
    std::vector<TransactionPackage> erase;
    bool run_scripts = true;

    nlohmann::json to_json() const;
    static TransactionRequest from_json(const nlohmann::json& j);
};

// What one scriptlet did.
struct ScriptletRun {
    std::string package;    // NEVRA
    std::string scriptlet;  // "%pre", "%post", ...
    bool ok = true;
    std::string output;  // its stdout and stderr

    nlohmann::json to_json() const;
    static ScriptletRun from_json(const nlohmann::json& j);
};

struct TransactionEvents {
    std::function<void(const std::string&)> message;
    std::function<void(int)> percent;
    std::function<void(const ScriptletRun&)> scriptlet;
    // Around each scriptlet (in this process, before librpm forks it): the helper's mounter
    // attaches /proc, /dev and a /tmp for it inside the root, and takes them away again.
    std::function<void()> scriptlet_starting;
    std::function<void()> scriptlet_finished;
};

// The package files of a transaction, opened by path before the sandbox leaves the host behind
// (the tree becomes the root; the files stay outside it) and read through these descriptors.
class PackageFiles {
  public:
    static PackageFiles open_all(const TransactionRequest& request);
    // The descriptor of `path`, one of the request's install paths.
    int fd(const std::string& path) const;

  private:
    std::map<std::string, UniqueFd> fds_;
};

// Throws deploy::Error naming the problem (rpm problems, failed scriptlets, rpm log errors).
void run_transaction(const TransactionRequest& request, const PackageFiles& files,
                     const TransactionEvents& events);

}  // namespace deploy::layering
