// RAII owners of librpm's crypto handles: keyring, public key, parsed OpenPGP packet parameters,
// the malloc'd packet buffers the parsers return, and a digest context. Keyrings and keys are
// refcounted by librpm, so copies take a reference.
#pragma once

extern "C" {
#include <rpm/rpmcrypto.h>
#include <rpm/rpmkeyring.h>
#include <rpm/rpmpgp.h>
}

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace deploy::layering::rpm {

class Keyring {
  public:
    Keyring() : keyring_(rpmKeyringNew()) {}
    Keyring(const Keyring& o) : keyring_(rpmKeyringLink(o.keyring_)) {}
    Keyring(Keyring&& o) noexcept : keyring_(std::exchange(o.keyring_, nullptr)) {}
    Keyring& operator=(Keyring o) noexcept {
        std::swap(keyring_, o.keyring_);
        return *this;
    }
    ~Keyring() { rpmKeyringFree(keyring_); }
    rpmKeyring get() const noexcept { return keyring_; }

  private:
    rpmKeyring keyring_;
};

class Pubkey {
  public:
    // Takes ownership of a reference the caller already holds (rpmPubkeyNew, rpmGetSubkeys).
    static Pubkey adopt(rpmPubkey key) { return Pubkey(key); }
    Pubkey(const Pubkey& o) : key_(o.key_ ? rpmPubkeyLink(o.key_) : nullptr) {}
    Pubkey(Pubkey&& o) noexcept : key_(std::exchange(o.key_, nullptr)) {}
    Pubkey& operator=(Pubkey o) noexcept {
        std::swap(key_, o.key_);
        return *this;
    }
    ~Pubkey() { rpmPubkeyFree(key_); }
    rpmPubkey get() const noexcept { return key_; }
    explicit operator bool() const noexcept { return key_ != nullptr; }

    // The key's subkeys (signing subkeys sign packages too).
    std::vector<Pubkey> subkeys() const {
        std::vector<Pubkey> out;
        int count = 0;
        rpmPubkey* keys = rpmGetSubkeys(key_, &count);
        for (int i = 0; keys && i < count; ++i)
            out.push_back(adopt(keys[i]));
        std::free(keys);
        return out;
    }

  private:
    explicit Pubkey(rpmPubkey key) : key_(key) {}
    rpmPubkey key_ = nullptr;
};

// Parameters of one parsed OpenPGP packet (a key or a signature).
class PgpParams {
  public:
    // Parses pkts as a packet of type pkttype (PGPTAG_SIGNATURE, PGPTAG_PUBLIC_KEY); check ok().
    PgpParams(const uint8_t* pkts, size_t len, unsigned int pkttype) {
        if (pgpPrtParams(pkts, len, pkttype, &params_) != 0)
            params_ = pgpDigParamsFree(params_);
    }
    ~PgpParams() { pgpDigParamsFree(params_); }
    PgpParams(const PgpParams&) = delete;
    PgpParams& operator=(const PgpParams&) = delete;
    bool ok() const noexcept { return params_ != nullptr; }
    pgpDigParams get() const noexcept { return params_; }

  private:
    pgpDigParams params_ = nullptr;
};

// A packet buffer allocated by librpm (pgpParsePkts).
class PacketBuffer {
  public:
    PacketBuffer() = default;
    ~PacketBuffer() { std::free(data_); }
    PacketBuffer(const PacketBuffer&) = delete;
    PacketBuffer& operator=(const PacketBuffer&) = delete;
    // Out-parameters for the C call that fills the buffer.
    uint8_t** data_out() noexcept { return &data_; }
    size_t* size_out() noexcept { return &size_; }
    const uint8_t* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }

  private:
    uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

// A running digest (rpmDigestInit); finishing consumes the context.
class Digest {
  public:
    // Check ok(): librpm returns no context for an algorithm it does not know.
    explicit Digest(int hashalgo) : ctx_(rpmDigestInit(hashalgo, RPMDIGEST_NONE)) {}
    ~Digest() {
        if (ctx_)
            rpmDigestFinal(ctx_, nullptr, nullptr, 0);
    }
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;
    bool ok() const noexcept { return ctx_ != nullptr; }

    void update(const void* data, size_t len) { rpmDigestUpdate(ctx_, data, len); }
    // Lower-case hex of the digest.
    std::string hex_final() {
        char* hex = nullptr;
        rpmDigestFinal(std::exchange(ctx_, nullptr), reinterpret_cast<void**>(&hex), nullptr, 1);
        std::string out = hex ? hex : "";
        std::free(hex);
        return out;
    }

  private:
    DIGEST_CTX ctx_;
};

}  // namespace deploy::layering::rpm
