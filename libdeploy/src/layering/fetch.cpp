// libcurl is owned by one RAII handle per transfer; the write callback goes through a static
// trampoline into the destination file.
#include "fetch.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "deploy/error.hpp"
#include "deploy/util/fd.hpp"
#include "deploy/util/fs.hpp"
#include "deploy/util/sha256.hpp"
#include "deploy/util/test_seam.hpp"

namespace deploy::layering {

namespace {

class CurlEasy {
  public:
    CurlEasy() {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        handle_ = curl_easy_init();
        if (!handle_)
            throw Error(ErrorKind::Failed, "cannot initialise libcurl");
    }
    ~CurlEasy() { curl_easy_cleanup(handle_); }
    CurlEasy(const CurlEasy&) = delete;
    CurlEasy& operator=(const CurlEasy&) = delete;
    CURL* get() const noexcept { return handle_; }

  private:
    CURL* handle_;
};

size_t write_trampoline(char* data, size_t size, size_t nmemb, void* user) {
    int fd = *static_cast<int*>(user);
    size_t total = size * nmemb;
    size_t done = 0;
    while (done < total) {
        ssize_t n = ::write(fd, data + done, total - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 0;  // makes curl fail with a write error
        }
        done += static_cast<size_t>(n);
    }
    return total;
}

// libcurl calls this at least once a second, even while a server sends nothing, so a cancel
// request interrupts a stalled transfer within about a second.
int xferinfo_trampoline(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const Progress*>(user)->cancel_requested() ? 1 : 0;
}

// A mirror that accepts and then never answers must not hang a transaction: give up when no
// connection is made within this many seconds, or when fewer than 1 byte/s arrived over as long.
// Tests shorten it (DEPLOYD_TEST_NET_TIMEOUT_S).
long network_timeout_seconds() {
    constexpr long kDefault = 30;
    const char* env = test_seam("DEPLOYD_TEST_NET_TIMEOUT_S");
    if (env == nullptr)
        return kDefault;
    char* end = nullptr;
    long value = std::strtol(env, &end, 10);
    return end && *end == '\0' && value > 0 ? value : kDefault;
}

bool starts_with(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

std::string url_join(const std::string& baseurl, const std::string& rel) {
    if (!baseurl.empty() && baseurl.back() == '/')
        return baseurl + rel;
    return baseurl + "/" + rel;
}

std::string fetch_to_local(const std::string& url, const std::string& cache_path,
                           const Progress& progress) {
    if (starts_with(url, "file://"))
        return url.substr(7);
    if (!starts_with(url, "http://") && !starts_with(url, "https://"))
        throw InvalidError(fmt::format("unsupported URL '{}' (file://, http:// or https://)", url));
    auto slash = cache_path.rfind('/');
    std::string dir = cache_path.substr(0, slash);
    mkdir_p_absolute(dir);
    std::string tmp = cache_path + ".part";
    UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out)
        throw_errno("cannot create", tmp);
    int fd = out.get();
    CurlEasy curl;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &write_trampoline);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &fd);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, errbuf);
    const long timeout = network_timeout_seconds();
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, timeout);
    // No SIGALRM-based resolver timeouts: transfers may run on worker threads.
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, &xferinfo_trampoline);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &progress);
    CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
        ::unlink(tmp.c_str());
        if (rc == CURLE_ABORTED_BY_CALLBACK)
            throw CancelledError(fmt::format("download of {} cancelled", url));
        throw Error(ErrorKind::Failed, fmt::format("cannot download {}: {}", url,
                                                   errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    }
    out.reset();
    if (::rename(tmp.c_str(), cache_path.c_str()) != 0)
        throw_errno("cannot rename", tmp);
    return cache_path;
}

void mkdir_p_absolute(const std::string& path) {
    if (path.empty() || path.front() != '/')
        throw InvalidError(fmt::format("'{}' is not an absolute path", path));
    UniqueFd root = fs::open_dir("/");
    fs::mkdir_p_at(root.get(), path.substr(1));
}

std::string file_sha256(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw_errno("cannot open", path);
    Sha256 h;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw_errno("cannot read", path);
        }
        if (n == 0)
            break;
        h.update(buf, static_cast<size_t>(n));
    }
    return h.hex_digest();
}

}  // namespace deploy::layering
