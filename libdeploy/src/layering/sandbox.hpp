// Running an rpm transaction in the scriptlet sandbox: bubblewrap (no network, own pid, ipc, uts
// and mount namespaces, the host read-only) around our helper deployd-rpm, which runs librpm
// with scriptlets enabled. Only the work directory is writable inside.
#pragma once

#include <string>

#include "deploy/util/progress.hpp"
#include "sandbox_protocol.hpp"

namespace deploy::layering::sandbox {

// The helper binary: $DEPLOYD_RPM_HELPER, else beside the running executable (build tree), else
// the installed libexec one.
std::string helper_path();

// Runs `request` in the sandbox; `work_dir` (absolute) is the only writable path inside and
// receives request.json and the helper's own log. Scriptlet logs and rpm messages go to
// progress. Throws deploy::Error as the helper reported it.
void run(const std::string& work_dir, const HelperRequest& request, Progress& progress);

}  // namespace deploy::layering::sandbox
