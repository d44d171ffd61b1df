#include "deploy/sysroot/sysroot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/bootloader/boot_config.hpp"
#include "deploy/bootloader/boot_entry.hpp"
#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/path.hpp"
#include "leftovers.hpp"

namespace deploy::sysroot {

using nlohmann::json;

static constexpr const char* kConfigFile = "deployd.json";

void Sysroot::init(const std::string& path, const std::string& os) {
    if (!path::is_valid_name(os) || os.front() == '.') {
        throw InvalidError(fmt::format("invalid OS name '{}'", os));
    }
    for (char c : os) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
            throw InvalidError(
                fmt::format("invalid OS name '{}': use letters, digits, '-', '_' and '.'", os));
        }
    }
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        throw_errno("cannot create sysroot", path);
    }
    UniqueFd fd = fs::open_dir(path);
    if (fs::exists_at(fd.get(), kConfigFile)) {
        json existing = json::parse(fs::read_file_at(fd.get(), kConfigFile), nullptr, false);
        std::string existing_os = existing.is_object() ? existing.value("os", "") : "";
        if (existing_os != os) {
            throw InvalidError(
                fmt::format("{} is already a sysroot for OS '{}'", path, existing_os));
        }
    }
    repo::Repo::init(path + "/repo");
    fs::mkdir_p_at(fd.get(), "deploy/" + os);
    fs::mkdir_p_at(fd.get(), "boot");
    fs::write_file_atomic(fd.get(), kConfigFile, json{{"format", 1}, {"os", os}}.dump(2) + "\n");
}

Sysroot::Sysroot(std::string path, UniqueFd fd, repo::Repo repo)
    : path_(std::move(path)), fd_(std::move(fd)), repo_(std::move(repo)) {}

Sysroot Sysroot::open(const SysrootOptions& options) {
    UniqueFd fd;
    try {
        fd = fs::open_dir(options.path);
    } catch (const SystemError& e) {
        throw NotFoundError(fmt::format("no sysroot at {} ({})", options.path, e.what()));
    }
    if (!fs::exists_at(fd.get(), kConfigFile)) {
        throw NotFoundError(
            fmt::format("{} is not a deployd sysroot (no {}); run 'deployctl init --os NAME' first",
                        options.path, kConfigFile));
    }
    json config;
    try {
        config = json::parse(fs::read_file_at(fd.get(), kConfigFile));
    } catch (const json::exception& e) {
        throw CorruptError(
            fmt::format("{}/{}: malformed ({})", options.path, kConfigFile, e.what()));
    }
    Sysroot sysroot(options.path, std::move(fd), repo::Repo::open(options.path + "/repo"));
    sysroot.os_ = config.value("os", "");
    if (!path::is_valid_name(sysroot.os_)) {
        throw CorruptError(fmt::format("{}/{}: invalid os", options.path, kConfigFile));
    }
    sysroot.boot_fd_ = fs::open_dir(sysroot.fd(), "boot");
    sysroot.cmdline_file_ = options.cmdline_file.empty() ? "/proc/cmdline" : options.cmdline_file;
    return sysroot;
}

std::string Sysroot::booted_path() const {
    std::string cmdline;
    try {
        cmdline = fs::read_file_at(AT_FDCWD, cmdline_file_);
    } catch (const SystemError& e) {
        if (cmdline_file_ != "/proc/cmdline") {
            throw NotFoundError(fmt::format("cannot read kernel command line from {}: {}",
                                            cmdline_file_, e.what()));
        }
        return {};
    }
    for (const auto& arg : boot::split_kernel_args(cmdline)) {
        if (arg.rfind("deploy=", 0) == 0)
            return arg.substr(7);
    }
    return {};
}

Origin Sysroot::read_origin(const Deployment& d) const {
    std::string rel = d.origin_relpath();
    try {
        return Origin::from_json(json::parse(fs::read_file_at(fd_.get(), rel)), rel);
    } catch (const json::exception& e) {
        throw CorruptError(fmt::format("{}: malformed origin ({})", rel, e.what()));
    }
}

void Sysroot::write_origin(const Deployment& d, const Origin& origin) {
    fs::write_file_atomic(fd_.get(), d.origin_relpath(), origin.to_json().dump(2) + "\n");
}

std::vector<Deployment> Sysroot::deployments() const {
    std::vector<Deployment> out;
    std::string booted = booted_path();
    for (const auto& entry : boot::read_boot_entries(boot_fd_.get())) {
        // Refused, not skipped: a list missing an entry would let retention and leftover
        // removal delete the deployment it boots.
        std::string deploy_path = entry.deploy_path();
        auto parsed = parse_deploy_path(deploy_path);
        if (!parsed) {
            throw CorruptError(fmt::format("boot entry {}: no valid deploy= argument (got '{}')",
                                           entry.file_name, deploy_path));
        }
        Deployment d = *parsed;
        d.linux_path = entry.linux_path;
        d.initrd_path = entry.initrd_path;
        for (const auto& arg : boot::split_kernel_args(entry.options)) {
            if (arg.rfind("deploy=", 0) != 0)
                d.kargs.push_back(arg);
        }
        d.booted = !booted.empty() && booted == d.boot_path();
        d.origin = read_origin(d);
        try {
            repo::Commit commit = repo_.read_commit(d.commit);
            d.version = commit.version;
            d.timestamp = commit.timestamp;
        } catch (const NotFoundError&) {
            spdlog::warn("commit {} of deployment {} is missing from the repository", d.commit,
                         d.id());
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<size_t> Sysroot::booted_index(const std::vector<Deployment>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i].booted)
            return i;
    }
    return std::nullopt;
}

std::optional<size_t> Sysroot::merge_index(const std::vector<Deployment>& list) {
    if (auto b = booted_index(list))
        return b;
    if (!list.empty())
        return 0;
    return std::nullopt;
}

std::unique_ptr<WriterLock> Sysroot::lock(const std::string& operation) {
    auto lock = std::make_unique<WriterLock>(fd_.get(), ".lock", operation);
    remove_leftovers(*this);
    return lock;
}

}  // namespace deploy::sysroot
