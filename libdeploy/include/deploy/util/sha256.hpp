// SHA-256 through OpenSSL libcrypto's EVP interface.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace deploy {

class Sha256 {
  public:
    Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    ~Sha256();

    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Finishes and returns the 64-character lowercase hex digest.
    std::string hex_digest();

    static std::string hex_of(std::string_view data);

  private:
    evp_md_ctx_st* ctx_;
};

bool is_valid_checksum(std::string_view s);  // 64 lowercase hex characters
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);  // throws InvalidError on bad input

}  // namespace deploy
