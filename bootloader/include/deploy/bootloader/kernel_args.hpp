// Kernel command line rules, in one place for every source of kernel arguments (deployctl
// kargs, the daemon's Kargs call, commit metadata, compose treefiles): what the kernel parses,
// what is safe on a GRUB script line (blscfg pastes `options` into one), and which keys only
// deployd may set.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace deploy::boot {

// The x86 kernel's COMMAND_LINE_SIZE; a longer line is truncated silently at boot (losing
// deploy=, which comes last), so it is refused instead.
inline constexpr size_t kMaxKernelCmdline = 2048;

// Splits a kernel command line into arguments (double quotes group spaces and are kept, so
// join(split(x)) == x for a normalized x). join quotes an argument with bare spaces.
std::vector<std::string> split_kernel_args(const std::string& cmdline);
std::string join_kernel_args(const std::vector<std::string>& args);

// The one validation of a kernel argument given by a user, a commit or a treefile. Returns its
// canonical form: KEY, KEY=VALUE, or KEY="VALUE" when the value has spaces (given quoted or
// not; `"KEY=VALUE"` quoted whole is accepted too). Throws InvalidError
// "invalid kernel argument '<arg>': <why>" for anything the kernel cannot parse, control or
// non-ASCII bytes, GRUB script metacharacters ($ ; & | < > { } ' \ ` #), an argument longer than
// the command line, and keys reserved for deployd (`deploy`, `deployd.*`).
std::string normalize_kernel_arg(const std::string& arg);
std::vector<std::string> normalize_kernel_args(const std::vector<std::string>& args);

// KEY of a canonical argument.
std::string kernel_arg_key(const std::string& arg);

// Checks a complete options line as written into a boot entry (reserved keys allowed, at most
// one deploy=): every argument as normalize_kernel_arg would accept it, and at most
// kMaxKernelCmdline bytes. InvalidError prefixed with `what`.
void check_kernel_cmdline(const std::string& cmdline, const std::string& what);

}  // namespace deploy::boot
