#include "repo_keyring.hpp"

#include <fmt/format.h>

#include "deploy/error.hpp"
#include "deploy/layering/signature.hpp"
#include "key_file.hpp"

namespace deploy::layering {

namespace {

constexpr std::string_view kBeginArmor = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
constexpr std::string_view kEndArmor = "-----END PGP PUBLIC KEY BLOCK-----";

// Splits concatenated certificates (a key with its user ids, signatures and subkeys each).
void add_certificates(const uint8_t* pkts, size_t len, const std::string& what,
                      std::vector<rpm::Pubkey>& out) {
    size_t offset = 0;
    while (offset < len) {
        size_t cert_len = 0;
        if (pgpPubKeyCertLen(pkts + offset, len - offset, &cert_len) != 0 || cert_len == 0)
            throw InvalidError(fmt::format("{} is not an OpenPGP public key", what));
        auto key = rpm::Pubkey::adopt(rpmPubkeyNew(pkts + offset, cert_len));
        if (!key)
            throw InvalidError(fmt::format(
                "{} holds an OpenPGP public key librpm cannot use (unsupported algorithm?)", what));
        auto subkeys = key.subkeys();
        out.push_back(std::move(key));
        for (auto& sub : subkeys)
            out.push_back(std::move(sub));
        offset += cert_len;
    }
}

}  // namespace

std::string key_id_hex(const uint8_t* id) {
    std::string out;
    for (int i = 0; id && i < 8; ++i)
        out += fmt::format("{:02x}", id[i]);
    return out;
}

std::vector<rpm::Pubkey> parse_public_keys(const std::string& data, const std::string& what) {
    std::vector<rpm::Pubkey> keys;
    size_t begin = data.find(kBeginArmor);
    if (begin == std::string::npos) {
        // Binary packets: the first byte of an OpenPGP packet always has bit 7 set.
        if (data.empty() || !(static_cast<uint8_t>(data[0]) & 0x80))
            throw InvalidError(fmt::format("{} is not an OpenPGP public key", what));
        add_certificates(reinterpret_cast<const uint8_t*>(data.data()), data.size(), what, keys);
        return keys;
    }
    // pgpParsePkts decodes the first armored block only; a key file may hold several.
    while (begin != std::string::npos) {
        size_t end = data.find(kEndArmor, begin);
        if (end == std::string::npos)
            throw InvalidError(fmt::format("{}: armored key block without an end line", what));
        end += kEndArmor.size();
        std::string block = data.substr(begin, end - begin) + "\n";
        rpm::PacketBuffer pkts;
        if (pgpParsePkts(block.c_str(), pkts.data_out(), pkts.size_out()) != PGPARMOR_PUBKEY)
            throw InvalidError(fmt::format("{}: malformed armored OpenPGP public key", what));
        add_certificates(pkts.data(), pkts.size(), what, keys);
        begin = data.find(kBeginArmor, end);
    }
    return keys;
}

RepoKeyring load_repo_keyring(const RepoSource& repo, const std::string& key_root,
                              const Progress& progress) {
    auto urls = split_gpgkey_urls(repo.gpgkey);
    if (urls.empty())
        throw InvalidError("gpgcheck=1 but no gpgkey");
    RepoKeyring out;
    for (const auto& url : urls) {
        std::string data = read_key_url(url, key_root, progress);
        for (const auto& key : parse_public_keys(data, "gpgkey " + url)) {
            if (rpmKeyringAddKey(out.keyring.get(), key.get()) < 0)
                throw Error(ErrorKind::Failed,
                            fmt::format("cannot add a key of {} to a keyring", url));
            out.key_ids.push_back(key_id_hex(pgpDigParamsSignID(rpmPubkeyPgpDigParams(key.get()))));
        }
    }
    return out;
}

}  // namespace deploy::layering
