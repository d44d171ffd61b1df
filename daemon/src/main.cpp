// deployd: the privileged D-Bus daemon serving the deployment engine.
//
//   deployd [--sysroot DIR] [--bus-address ADDR] [--cmdline-file F] [--config FILE]
//           [--idle-exit SECONDS]
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "config.hpp"
#include "deploy/error.hpp"
#include "deploy/sysroot/sysroot.hpp"
#include "deployd/names.hpp"
#include "event_loop.hpp"
#include "logging.hpp"
#include "manager.hpp"

namespace {

struct Arguments {
    std::string sysroot;  // "" = default_sysroot()
    std::string bus_address;
    std::string cmdline_file;
    std::string config = "/etc/deployd.conf";
    bool config_given = false;
    std::optional<unsigned> idle_exit;
    bool debug = false;
};

// On a booted deployment prepare-root put the physical root (the sysroot) at /sysroot; "/" is
// the deployment itself. A sysroot manages itself from "/" only when not booted from one.
std::string default_sysroot() {
    return ::access("/sysroot/deployd.json", F_OK) == 0 ? "/sysroot" : "/";
}

// Takes the writer lock once: the engine removes what a killed or crashed writer left behind
// (and logs each removal), so a daemon restarted after kill -9 starts from a clean sysroot.
void clean_leftovers(const deployd::ManagerOptions& options) {
    try {
        auto sysroot = deploy::sysroot::Sysroot::open(options.sysroot);
        auto lock = sysroot.lock("deployd start-up");
        spdlog::info("start-up: sysroot {} checked for leftovers of interrupted operations",
                     sysroot.path());
    } catch (const deploy::Error& e) {
        if (e.kind() != deploy::ErrorKind::Busy)
            throw;
        spdlog::warn("start-up: leftover check skipped: {}", e.what());
    }
}

std::unique_ptr<sdbus::IConnection> connect(const Arguments& args) {
    if (args.bus_address.empty())
        return sdbus::createSystemBusConnection();
    return sdbus::createSessionBusConnectionWithAddress(args.bus_address);
}

int serve(const Arguments& args) {
    deployd::ManagerOptions options;
    options.sysroot = {args.sysroot, args.cmdline_file};
    options.config = deployd::load_config(args.config, args.config_given);
    if (args.idle_exit)
        options.config.idle_exit_seconds = *args.idle_exit;

    clean_leftovers(options);

    auto bus = connect(args);
    deployd::EventLoop loop(*bus);
    auto driver = sdbus::createProxy(*bus, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    auto manager = std::make_unique<deployd::Manager>(*bus, loop, *driver, options);
    driver->finishRegistration();
    bus->requestName(deployd::kBusName);
    spdlog::info("deployd {} serving {} on {} (idle exit: {})", DEPLOYD_VERSION, args.sysroot,
                 args.bus_address.empty() ? "the system bus" : args.bus_address,
                 options.config.idle_exit_seconds
                     ? std::to_string(options.config.idle_exit_seconds) + " s"
                     : "never");
    sd_notify(0, "READY=1\nSTATUS=Idle");

    loop.set_signal_handler([&](int signo) {
        spdlog::info("received signal {}, exiting", signo);
        loop.quit();
    });
    // Lives as long as the loop: each check re-arms itself.
    const auto idle_check_interval = std::chrono::seconds(1);
    std::function<void()> check_idle = [&] {
        if (manager->idle()) {
            spdlog::info("idle for {} s, exiting", options.config.idle_exit_seconds);
            loop.quit();
            return;
        }
        loop.add_timer(idle_check_interval, check_idle);
    };
    if (options.config.idle_exit_seconds)
        loop.add_timer(idle_check_interval, check_idle);
    loop.run();

    sd_notify(0, "STOPPING=1\nSTATUS=Shutting down");
    // Finish (cancel) what runs while we still own the name, so its clients get Finished.
    manager->shutdown();
    // Answer what clients asked meanwhile (e.g. a poll of Finished) before the name goes.
    loop.run_for(std::chrono::milliseconds(200));
    try {
        bus->releaseName(deployd::kBusName);
    } catch (const sdbus::Error& e) {
        spdlog::warn("cannot release {}: {}", deployd::kBusName, e.getMessage());
    }
    manager.reset();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"deployd: the atomic OS deployment daemon (D-Bus org.deployd.Deploy1)"};
    Arguments args;
    app.add_option("--sysroot", args.sysroot,
                   "The sysroot to manage (default /sysroot on a booted deployment, else /)");
    app.add_option("--bus-address", args.bus_address,
                   "Serve on the D-Bus bus at this address (default: the system bus)");
    app.add_option("--cmdline-file", args.cmdline_file,
                   "Read the kernel command line from this file instead of /proc/cmdline");
    auto* config = app.add_option("--config", args.config,
                                  "Configuration file (default /etc/deployd.conf, optional)");
    app.add_option("--idle-exit", args.idle_exit,
                   "Exit after this many idle seconds (0 = never); overrides IdleExitTimeout");
    app.add_flag("--debug", args.debug, "Log debug messages");
    app.set_version_flag("--version", std::string("deployd ") + DEPLOYD_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    args.config_given = config->count() > 0;
    if (args.sysroot.empty())
        args.sysroot = default_sysroot();
    deployd::setup_logging(args.debug || std::getenv("DEPLOYD_DEBUG"));
    try {
        return serve(args);
    } catch (const sdbus::Error& e) {
        spdlog::critical("{}: {}", e.getName(), e.getMessage());
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
    }
    sd_notifyf(0, "STATUS=Failed to start\nERRNO=%d", 1);
    return 1;
}
