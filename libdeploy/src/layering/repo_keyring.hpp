// The keyring a repository's packages are checked against: the keys its gpgkey= URLs name.
#pragma once

#include <string>
#include <vector>

#include "deploy/layering/repo_source.hpp"
#include "deploy/util/progress.hpp"
#include "rpm_crypto.hpp"

namespace deploy::layering {

struct RepoKeyring {
    rpm::Keyring keyring;
    std::vector<std::string> key_ids;  // of every key and subkey, 16 hex digits, for messages
};

// Parses OpenPGP public keys: one or more ASCII-armored blocks, or binary packets. Each
// certificate gives its primary key followed by its subkeys. Throws InvalidError naming `what`
// when the data holds no usable public key. Needs an RpmSession (librpm's crypto).
std::vector<rpm::Pubkey> parse_public_keys(const std::string& data, const std::string& what);

// Reads and parses every key of repo.gpgkey (key_file.hpp says where from). Throws Error naming
// the key URL; InvalidError when gpgkey is empty. Needs an RpmSession.
RepoKeyring load_repo_keyring(const RepoSource& repo, const std::string& key_root,
                              const Progress& progress);

// 16 hex digits of an 8-byte OpenPGP key id.
std::string key_id_hex(const uint8_t* id);

}  // namespace deploy::layering
