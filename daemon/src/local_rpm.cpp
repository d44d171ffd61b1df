#include "local_rpm.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "deploy/error.hpp"
#include "deploy/util/fs.hpp"

namespace deployd {

namespace {

// The RPM file format (rpm's lib/rpmlead.c, lib/header.c): a 96-byte lead, the signature
// header padded to 8 bytes, then the main header. A header is a 16-byte intro (magic, reserved,
// index entry count, data size, all big-endian), the index (16 bytes an entry: tag, type, offset
// into the data, count), then the data.
constexpr std::array<unsigned char, 4> kLeadMagic = {0xed, 0xab, 0xee, 0xdb};
constexpr std::array<unsigned char, 4> kHeaderMagic = {0x8e, 0xad, 0xe8, 0x01};
constexpr off_t kLeadSize = 96;
constexpr uint16_t kLeadTypeSource = 1;
// rpm's own limits for a header (hdrchkTags, hdrchkData).
constexpr uint32_t kMaxIndexEntries = 0xffff;
constexpr uint32_t kMaxHeaderData = 256u << 20;
constexpr uint64_t kMaxRpmSize = uint64_t(4) << 30;
constexpr uint32_t kTypeString = 6;
constexpr uint32_t kTagName = 1000, kTagVersion = 1001, kTagRelease = 1002, kTagArch = 1022;
constexpr size_t kMaxTagString = 256;

deploy::InvalidError invalid(const std::string& argument, const std::string& why) {
    return deploy::InvalidError(fmt::format("{}: {}", argument, why));
}

uint32_t be32(const unsigned char* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// Reads exactly `size` bytes at `offset`; false at end of file.
bool read_at(int fd, void* buf, size_t size, off_t offset, const std::string& argument) {
    auto* out = static_cast<unsigned char*>(buf);
    while (size > 0) {
        ssize_t n = ::pread(fd, out, size, offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw invalid(argument, fmt::format("cannot read: {}", std::strerror(errno)));
        }
        if (n == 0)
            return false;
        out += n;
        size -= size_t(n);
        offset += n;
    }
    return true;
}

struct HeaderIntro {
    off_t index;  // offset of the first index entry
    uint32_t entries;
    off_t data;  // offset of the data store
    uint32_t data_size;
    off_t end() const { return data + off_t(data_size); }
};

HeaderIntro read_header_intro(int fd, off_t offset, off_t file_size, const std::string& argument,
                              const char* which) {
    std::array<unsigned char, 16> intro;
    if (!read_at(fd, intro.data(), intro.size(), offset, argument) ||
        !std::equal(kHeaderMagic.begin(), kHeaderMagic.end(), intro.begin())) {
        throw invalid(argument, fmt::format("not an RPM package (bad {} header)", which));
    }
    HeaderIntro h{offset + 16, be32(&intro[8]), 0, be32(&intro[12])};
    if (h.entries == 0 || h.entries > kMaxIndexEntries || h.data_size > kMaxHeaderData)
        throw invalid(argument, fmt::format("not an RPM package (bad {} header size)", which));
    h.data = h.index + off_t(h.entries) * 16;
    if (h.end() > file_size)
        throw invalid(argument, fmt::format("not an RPM package (truncated {} header)", which));
    return h;
}

// NAME, VERSION, RELEASE and ARCH go into a file name: the characters rpm allows in them, minus
// anything a path could make use of.
bool is_file_name_part(const std::string& s) {
    return !s.empty() && s.front() != '.' && s.front() != '-' &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '+' || c == '~' || c == '^' || c == '-';
           });
}

std::string temp_root() {
    const char* tmp = std::getenv("TMPDIR");
    return tmp && tmp[0] == '/' ? tmp : "/var/tmp";
}

// Copies at most `size` bytes from offset 0 (never the caller's file offset).
void copy_content(int from, int to, uint64_t size, const std::string& argument) {
    loff_t offset = 0;
    while (uint64_t(offset) < size) {
        ssize_t n = ::copy_file_range(from, &offset, to, nullptr, size - uint64_t(offset), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
            break;  // read and write instead
        if (n < 0)
            throw deploy::SystemError(errno, "cannot copy", argument);
        if (n == 0)
            return;
    }
    std::array<char, 65536> buf;
    while (uint64_t(offset) < size) {
        size_t want = std::min<uint64_t>(buf.size(), size - uint64_t(offset));
        ssize_t n = ::pread(from, buf.data(), want, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw deploy::SystemError(errno, "cannot read", argument);
        if (n == 0)
            return;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(to, buf.data() + done, size_t(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                throw deploy::SystemError(errno, "cannot write the copy of", argument);
            done += w;
        }
        offset += n;
    }
}

}  // namespace

std::string rpm_file_name(int fd, const std::string& argument) {
    struct stat st;
    if (::fstat(fd, &st) != 0)
        throw invalid(argument, fmt::format("cannot stat: {}", std::strerror(errno)));
    std::array<unsigned char, kLeadSize> lead;
    if (!read_at(fd, lead.data(), lead.size(), 0, argument) ||
        !std::equal(kLeadMagic.begin(), kLeadMagic.end(), lead.begin())) {
        throw invalid(argument, "not an RPM package (no RPM lead magic)");
    }
    if ((uint16_t(lead[6]) << 8 | lead[7]) == kLeadTypeSource)
        throw invalid(argument, "is a source package; binary packages only");

    auto signature = read_header_intro(fd, kLeadSize, st.st_size, argument, "signature");
    off_t main_offset = signature.end() + (8 - signature.end() % 8) % 8;
    auto header = read_header_intro(fd, main_offset, st.st_size, argument, "main");

    std::vector<unsigned char> index(size_t(header.entries) * 16);
    if (!read_at(fd, index.data(), index.size(), header.index, argument))
        throw invalid(argument, "not an RPM package (truncated main header)");
    auto tag_string = [&](uint32_t tag, const char* what) {
        for (size_t i = 0; i < header.entries; ++i) {
            const unsigned char* e = &index[i * 16];
            if (be32(e) != tag)
                continue;
            uint32_t offset = be32(e + 8);
            if (be32(e + 4) != kTypeString || offset >= header.data_size)
                break;
            std::string value(std::min<size_t>(kMaxTagString, header.data_size - offset), '\0');
            if (!read_at(fd, value.data(), value.size(), header.data + off_t(offset), argument))
                break;
            auto nul = value.find('\0');
            if (nul == std::string::npos)
                break;
            value.resize(nul);
            if (!is_file_name_part(value)) {
                throw invalid(argument, fmt::format("package {} '{}' has characters not allowed",
                                                    what, value));
            }
            return value;
        }
        throw invalid(argument,
                      fmt::format("not an RPM package (no valid {} in its header)", what));
    };
    auto name = fmt::format("{}-{}-{}.{}.rpm", tag_string(kTagName, "name"),
                            tag_string(kTagVersion, "version"), tag_string(kTagRelease, "release"),
                            tag_string(kTagArch, "arch"));
    if (name.size() > 255)
        throw invalid(argument, "package NAME-VERSION-RELEASE.ARCH is too long for a file name");
    return name;
}

std::vector<LocalRpm> accept_local_rpms(const std::vector<int>& fds, const char* what) {
    std::vector<LocalRpm> out;
    for (size_t i = 0; i < fds.size(); ++i) {
        LocalRpm rpm;
        rpm.argument = fmt::format("{}[{}]", what, i);
        struct stat st;
        if (fds[i] < 0 || ::fstat(fds[i], &st) != 0)
            throw invalid(rpm.argument, "not an open file descriptor");
        if (!S_ISREG(st.st_mode))
            throw invalid(rpm.argument, "not a regular file");
        int flags = ::fcntl(fds[i], F_GETFL);
        if (flags < 0 || (flags & O_PATH) || (flags & O_ACCMODE) == O_WRONLY)
            throw invalid(rpm.argument, "not open for reading");
        if (uint64_t(st.st_size) > kMaxRpmSize)
            throw invalid(rpm.argument, "larger than 4 GiB");
        rpm.fd = deploy::UniqueFd(::fcntl(fds[i], F_DUPFD_CLOEXEC, 3));
        if (!rpm.fd)
            throw deploy::SystemError(errno, "cannot duplicate the descriptor of", rpm.argument);
        rpm.file_name = rpm_file_name(rpm.fd.get(), rpm.argument);
        for (const auto& other : out) {
            if (other.file_name == rpm.file_name) {
                throw invalid(rpm.argument,
                              fmt::format("{} is also {}", rpm.file_name, other.argument));
            }
        }
        rpm.identity = fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size,
                                   st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        out.push_back(std::move(rpm));
    }
    return out;
}

LocalRpmCopies::LocalRpmCopies(const std::vector<LocalRpm>& packages) {
    if (packages.empty())
        return;
    std::string pattern = temp_root() + "/deployd-rpms-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw deploy::SystemError(errno, "cannot create a directory in", temp_root());
    dir_ = pattern;
    try {
        auto dir = deploy::fs::open_dir(dir_);
        for (size_t i = 0; i < packages.size(); ++i) {
            const auto& rpm = packages[i];
            // The name is read again from our copy: the caller's file may have changed since the
            // call was validated, and the copy is what the engine installs.
            auto partial = fmt::format(".partial-{}", i);
            deploy::UniqueFd out(::openat(dir.get(), partial.c_str(),
                                          O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                          0600));
            if (!out)
                throw deploy::SystemError(errno, "cannot create", dir_ + "/" + partial);
            struct stat st;
            if (::fstat(rpm.fd.get(), &st) != 0)
                throw deploy::SystemError(errno, "cannot stat", rpm.argument);
            copy_content(rpm.fd.get(), out.get(), std::min<uint64_t>(st.st_size, kMaxRpmSize),
                         rpm.argument);
            deploy::UniqueFd in(
                ::openat(dir.get(), partial.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
            if (!in)
                throw deploy::SystemError(errno, "cannot open", dir_ + "/" + partial);
            auto name = rpm_file_name(in.get(), rpm.argument);
            if (::renameat2(dir.get(), partial.c_str(), dir.get(), name.c_str(),
                            RENAME_NOREPLACE) != 0) {
                if (errno == EEXIST)
                    throw invalid(rpm.argument, fmt::format("{} is given twice", name));
                throw deploy::SystemError(errno, "cannot rename", dir_ + "/" + partial);
            }
            paths_.push_back(dir_ + "/" + name);
        }
    } catch (...) {
        deploy::fs::remove_tree_at(AT_FDCWD, dir_);
        throw;
    }
}

LocalRpmCopies::~LocalRpmCopies() {
    if (dir_.empty())
        return;
    try {
        deploy::fs::remove_tree_at(AT_FDCWD, dir_);
    } catch (const std::exception& e) {
        spdlog::warn("cannot remove the temporary copies of local packages: {}", e.what());
    }
}

}  // namespace deployd
