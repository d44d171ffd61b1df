// Validation of arguments that arrive from the bus, before anything is queued: a bad argument is
// an InvalidError naming it (org.deployd.Deploy1.Error.Invalid), never a crash or a half-done
// operation. The engine validates again; this is the daemon's own boundary.
#pragma once

#include <string>
#include <vector>

namespace deployd::validate {

void refspec(const std::string& value);   // "remote:ref" or "ref"
void revision(const std::string& value);  // a version or a commit (prefix)
// Kernel arguments: KEY or KEY=VALUE (replace: KEY=VALUE only).
void kargs(const std::vector<std::string>& values, const char* what, bool need_value);
void remote_name(const std::string& value);
void remote_url(const std::string& value);
void deployment_index(uint32_t value);
// What Install layers: package names or provides ("bar", "libfoo.so.1", "/usr/bin/tool",
// "foo >= 1.2"); never a .rpm file name, since the engine would open it as a path (local packages
// arrive as file descriptors). `what` names the argument ("packages").
void package_specs(const std::vector<std::string>& values, const char* what);
// Package names (layered, base, or a local package's file name) for Uninstall and Override*.
void package_names(const std::vector<std::string>& values, const char* what);

}  // namespace deployd::validate
