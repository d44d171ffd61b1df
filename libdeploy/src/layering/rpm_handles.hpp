// RAII owners of librpm handles: transaction set, header, database iterator, file. Headers are
// refcounted by librpm, so HeaderRef copies take a reference instead of being non-copyable.
#pragma once

extern "C" {
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmds.h>
#include <rpm/rpmio.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmps.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
}

#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace deploy::layering::rpm {

class Ts {
  public:
    Ts() : ts_(rpmtsCreate()) {}
    ~Ts() { rpmtsFree(ts_); }
    Ts(const Ts&) = delete;
    Ts& operator=(const Ts&) = delete;
    rpmts get() const noexcept { return ts_; }

  private:
    rpmts ts_;
};

class HeaderRef {
  public:
    HeaderRef() = default;
    // Takes ownership of a reference the caller already holds (rpmReadPackageFile).
    static HeaderRef adopt(Header h) { return HeaderRef(h); }
    // Adds a reference to a header owned elsewhere (an iterator's current header).
    static HeaderRef link(Header h) { return HeaderRef(headerLink(h)); }
    HeaderRef(const HeaderRef& o) : h_(o.h_ ? headerLink(o.h_) : nullptr) {}
    HeaderRef(HeaderRef&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    HeaderRef& operator=(HeaderRef o) noexcept {
        std::swap(h_, o.h_);
        return *this;
    }
    ~HeaderRef() {
        if (h_)
            headerFree(h_);
    }
    Header get() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_ != nullptr; }

    std::string str(rpmTagVal tag) const {
        const char* s = headerGetString(h_, tag);
        return s ? s : "";
    }
    uint64_t num(rpmTagVal tag) const { return headerGetNumber(h_, tag); }
    // "name-[epoch:]version-release.arch" as rpm -q prints it.
    std::string nevra() const { return as_string(RPMTAG_NEVRA); }
    // Any tag, extension tags included, formatted as rpm would print it.
    std::string as_string(rpmTagVal tag) const {
        char* s = headerGetAsString(h_, tag);
        std::string out = s ? s : "";
        free(s);
        return out;
    }
    // An array tag, extension tags included (RPMTAG_FILENAMES).
    std::vector<std::string> strings(rpmTagVal tag) const {
        std::vector<std::string> out;
        rpmtd td = rpmtdNew();
        if (headerGet(h_, tag, td, HEADERGET_EXT)) {
            while (const char* s = rpmtdNextString(td))
                out.emplace_back(s);
            rpmtdFreeData(td);
        }
        rpmtdFree(td);
        return out;
    }

  private:
    explicit HeaderRef(Header h) : h_(h) {}
    Header h_ = nullptr;
};

class DbIterator {
  public:
    DbIterator(Ts& ts, rpmDbiTagVal tag, const void* key = nullptr, size_t keylen = 0)
        : mi_(rpmtsInitIterator(ts.get(), tag, key, keylen)) {}
    ~DbIterator() { rpmdbFreeIterator(mi_); }
    DbIterator(const DbIterator&) = delete;
    DbIterator& operator=(const DbIterator&) = delete;

    // The next header (owned by the iterator until the next call), or null at the end.
    Header next() { return mi_ ? rpmdbNextIterator(mi_) : nullptr; }
    unsigned offset() const { return rpmdbGetIteratorOffset(mi_); }

  private:
    rpmdbMatchIterator mi_;
};

// One dependency set of a header (provides, requires, ...).
class DepSet {
  public:
    DepSet(const HeaderRef& h, rpmTagVal tag) : ds_(rpmdsInit(rpmdsNew(h.get(), tag, 0))) {}
    ~DepSet() { rpmdsFree(ds_); }
    DepSet(const DepSet&) = delete;
    DepSet& operator=(const DepSet&) = delete;

    bool next() { return ds_ && rpmdsNext(ds_) >= 0; }
    const char* name() const { return rpmdsN(ds_); }
    const char* evr() const { return rpmdsEVR(ds_); }
    rpmsenseFlags flags() const { return rpmdsFlags(ds_); }

  private:
    rpmds ds_;
};

// A transaction's problem set, rendered as one line per problem.
class ProblemSet {
  public:
    explicit ProblemSet(Ts& ts) : ps_(rpmtsProblems(ts.get())) {}
    ~ProblemSet() { rpmpsFree(ps_); }
    ProblemSet(const ProblemSet&) = delete;
    ProblemSet& operator=(const ProblemSet&) = delete;

    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        rpmpsi it = rpmpsInitIterator(ps_);
        while (rpmProblem p = rpmpsiNext(it)) {
            char* msg = rpmProblemString(p);
            out.emplace_back(msg ? msg : "unknown rpm problem");
            free(msg);
        }
        rpmpsFreeIterator(it);
        return out;
    }

  private:
    rpmps ps_;
};

class RpmFile {
  public:
    explicit RpmFile(const std::string& path) : fd_(Fopen(path.c_str(), "r.ufdio")) {}
    // A duplicate of `fd`, read from its start (the offset is shared with `fd`).
    explicit RpmFile(int fd) : fd_(::lseek(fd, 0, SEEK_SET) == 0 ? fdDup(fd) : nullptr) {}
    ~RpmFile() {
        if (fd_)
            Fclose(fd_);
    }
    RpmFile(const RpmFile&) = delete;
    RpmFile& operator=(const RpmFile&) = delete;
    FD_t get() const noexcept { return fd_; }
    bool ok() const { return fd_ && !Ferror(fd_); }

  private:
    FD_t fd_;
};

}  // namespace deploy::layering::rpm
