// dirtree objects come from any repository we pull from; parse must validate every name and
// checksum, and what it accepts must survive serialize -> parse unchanged (the checksum of a
// tree is the hash of its serialization, so a lossy round trip would break fsck and pull).
#include "deploy/repo/object.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using deploy::repo::DirTree;
    return deploy::fuzz::run_parser(data, size, [](const std::string& text) {
        DirTree tree = DirTree::parse(text, deploy::fuzz::kInputName);
        std::string canonical = tree.serialize();
        DirTree again = DirTree::parse(canonical, deploy::fuzz::kInputName);
        FUZZ_CHECK(again.files == tree.files && again.dirs == tree.dirs, canonical);
        FUZZ_CHECK(again.serialize() == canonical, canonical);
        for (const auto& f : tree.files)
            FUZZ_CHECK(tree.find_file(f.name) == &f, f.name);
        for (const auto& d : tree.dirs)
            FUZZ_CHECK(tree.find_dir(d.name) == &d, d.name);
    });
}
