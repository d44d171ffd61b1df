// Shared by every fuzz target: the contract a parser of untrusted input must keep.
//
// Bad input may only end in a deploy::Error whose message is one line naming the input (the
// house rule for every error a user sees). Anything else is a finding: another exception type
// escaping (libFuzzer reports it as a crash), a sanitizer report, or a broken invariant checked
// with FUZZ_CHECK (e.g. a round trip through the writer that does not give the same value).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "deploy/error.hpp"

namespace deploy::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              const std::string& detail) {
    std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n%s\n", file, line, what,
                 detail.c_str());
    std::abort();  // libFuzzer saves the input as crash-<sha1>
}

#define FUZZ_CHECK(cond, detail)                                       \
    do {                                                               \
        if (!(cond))                                                   \
            ::deploy::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
    } while (0)

// The name a target passes to the parser as the file being read, so error messages can be
// checked to name it.
inline constexpr const char* kInputName = "fuzz-input";

// Runs parse(text) on the input; deploy::Error is the expected outcome of bad input.
template <typename Parse>
int run_parser(const uint8_t* data, size_t size, Parse&& parse) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        parse(text);
    } catch (const deploy::Error& e) {
        std::string_view message = e.what();
        FUZZ_CHECK(message.find(kInputName) != std::string_view::npos,
                   "error does not name the input: " + std::string(message));
        FUZZ_CHECK(message.find('\n') == std::string_view::npos,
                   "error message is not one line: " + std::string(message));
    }
    return 0;
}

}  // namespace deploy::fuzz
