#include "prepare_root.hpp"

namespace prepare_root {

std::vector<std::string> split_cmdline(const std::string& cmdline) {
    std::vector<std::string> args;
    std::string current;
    bool in_quotes = false;
    bool have = false;
    for (char c : cmdline) {
        if (c == '"') {
            in_quotes = !in_quotes;
            have = true;
        } else if (!in_quotes && (c == ' ' || c == '\t' || c == '\n')) {
            if (have)
                args.push_back(current);
            current.clear();
            have = false;
        } else {
            current.push_back(c);
            have = true;
        }
    }
    if (have)
        args.push_back(current);
    return args;
}

std::string cmdline_value(const std::vector<std::string>& args, const std::string& key,
                          bool* found) {
    std::string prefix = key + "=";
    std::string value;
    bool seen = false;
    for (const auto& arg : args) {
        if (arg.compare(0, prefix.size(), prefix) == 0) {
            value = arg.substr(prefix.size());
            seen = true;
        }
    }
    if (found)
        *found = seen;
    return value;
}

}  // namespace prepare_root
