// The file name a local package is stored under in <os>/var/lib/deployd/local-rpms/:
// NAME-VERSION-RELEASE.ARCH.rpm, built from the package's own header. The header is whatever its
// author wrote (rpmbuild's checks are not rpm's: a crafted header can say anything), so each part
// is checked as a file-name part before it names a file.
#pragma once

#include <string>

namespace deploy::layering {

// Throws InvalidError("<what>: package <field> '<value>' ...") unless every part is 1..128 of
// [A-Za-z0-9._+~^-] (no '/', NUL or control characters), not starting with '.' or '-', without
// "..", version/release/arch without '-' (the name is found again by cutting at the last two
// dashes), and the whole name fits in NAME_MAX.
std::string rpm_file_name(const std::string& name, const std::string& version,
                          const std::string& release, const std::string& arch,
                          const std::string& what);

// The same check for a stored name read back (an origin's local package list).
bool is_valid_rpm_file_name(const std::string& file);

}  // namespace deploy::layering
