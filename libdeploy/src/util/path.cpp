#include "deploy/util/path.hpp"

#include <fmt/format.h>

#include "deploy/error.hpp"

namespace deploy::path {

bool is_valid_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

void check_name(std::string_view name, std::string_view what) {
    if (!is_valid_name(name)) {
        throw InvalidError(fmt::format("{}: invalid file name '{}'", what, name));
    }
}

std::vector<std::string> split_relative(std::string_view path) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string_view::npos) {
            next = path.size();
        }
        std::string_view part = path.substr(pos, next - pos);
        if (!part.empty() && part != ".") {
            if (part == ".." || part.find('\0') != std::string_view::npos) {
                throw InvalidError(fmt::format("invalid path '{}': '..' is not allowed", path));
            }
            parts.emplace_back(part);
        }
        pos = next + 1;
    }
    return parts;
}

}  // namespace deploy::path
