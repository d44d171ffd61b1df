// Running an rpm transaction in the scriptlet sandbox: bubblewrap (no network, own pid, ipc, uts
// and mount namespaces) around our helper deployd-rpm, which makes the tree being installed the
// root of the sandbox (nothing of the host, the store or the work directory stays visible) and
// runs librpm, with scriptlets enabled, confined (tools/rpm_helper/confine.hpp).
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
