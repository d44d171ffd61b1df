// Getting repository files: file:// is read in place, http(s):// is downloaded with libcurl.
#pragma once

#include <string>

#include "deploy/util/progress.hpp"

namespace deploy::layering {

// Joins a repo baseurl and a relative location ("repodata/repomd.xml").
std::string url_join(const std::string& baseurl, const std::string& rel);

// For a file:// URL returns its local path; for http(s):// downloads it to cache_path (replaced
// atomically) and returns cache_path. Errors name the URL. A transfer gives up when it cannot
// connect or stalls (connect and low-speed timeouts) and stops with CancelledError as soon as
// progress asks for cancellation.
std::string fetch_to_local(const std::string& url, const std::string& cache_path,
                           const Progress& progress);

// mkdir -p of an absolute path (fs::mkdir_p_at takes paths relative to a directory fd).
void mkdir_p_absolute(const std::string& path);

// sha256 (hex) of a local file.
std::string file_sha256(const std::string& path);

}  // namespace deploy::layering
