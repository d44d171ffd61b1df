// Until the daemon client lands (issue: deployd over D-Bus), commands without --sysroot explain
// how to run in-process.
#include "backend.hpp"
#include "cli.hpp"
#include "deploy/error.hpp"

namespace deployctl {

std::unique_ptr<Backend> make_daemon_backend(const GlobalOptions&) {
    throw deploy::Error(deploy::ErrorKind::Failed,
                        "talking to deployd is not available in this build; use --sysroot DIR");
}

}  // namespace deployctl
