// RAII owners of libsolv's pool and repositories (cf. dnf5 libdnf5/solv/pool.hpp). The pool owns
// every string, dependency and solvable; a Repo is freed before its pool by declaration order.
#pragma once

extern "C" {
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/repo.h>
}

#include <string>

namespace deploy::layering::solv {

class Pool {
  public:
    Pool();
    ~Pool() { pool_free(pool_); }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    ::Pool* get() const noexcept { return pool_; }
    ::Solvable* solvable(Id id) const { return pool_id2solvable(pool_, id); }
    // "name-[epoch:]version-release.arch"
    std::string nevra(Id id) const { return pool_solvable2str(pool_, solvable(id)); }
    std::string name(Id id) const { return pool_id2str(pool_, solvable(id)->name); }
    Id str2id(const std::string& s) const { return pool_str2id(pool_, s.c_str(), 1); }
    // Must run after all repos are loaded and before solving or selection.
    void finalize();
    // The last error libsolv recorded (repo_add_* failures).
    std::string last_error() const { return pool_errstr(pool_); }

  private:
    ::Pool* pool_;
};

// A repository inside a pool. libsolv frees repos with the pool, but a repo that failed to load
// must go at once, so each has an owner.
class Repo {
  public:
    Repo(Pool& pool, const std::string& name) : repo_(repo_create(pool.get(), name.c_str())) {}
    ~Repo() {
        if (repo_)
            repo_free(repo_, 1);
    }
    Repo(const Repo&) = delete;
    Repo& operator=(const Repo&) = delete;

    ::Repo* get() const noexcept { return repo_; }
    ::Repo* operator->() const noexcept { return repo_; }

  private:
    ::Repo* repo_;
};

}  // namespace deploy::layering::solv
