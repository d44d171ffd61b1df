// RAII owners of a libsolv Solver and the Transaction it produces.
#pragma once

extern "C" {
// solver.h first: problems.h and rules.h use its types without including them.
#include <solv/solver.h>

#include <solv/problems.h>
#include <solv/transaction.h>
}

#include <string>
#include <vector>

#include "solv_pool.hpp"
#include "solv_queue.hpp"

namespace deploy::layering::solv {

class Transaction {
  public:
    explicit Transaction(::Transaction* t) : trans_(t) {}
    ~Transaction() { transaction_free(trans_); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    ::Transaction* get() const noexcept { return trans_; }
    // Solvable ids in an installable order (dependencies first).
    std::vector<Id> ordered_steps();

  private:
    ::Transaction* trans_;
};

class Solver {
  public:
    explicit Solver(Pool& pool) : solver_(solver_create(pool.get())) {}
    ~Solver() { solver_free(solver_); }
    Solver(const Solver&) = delete;
    Solver& operator=(const Solver&) = delete;

    void set_flag(int flag, int value) { solver_set_flag(solver_, flag, value); }
    // Solves the job; returns libsolv's description of each problem (empty = solved), e.g.
    // "nothing provides libfoo needed by bar-1.0-1.noarch".
    std::vector<std::string> solve(IdQueue& job);
    Transaction transaction() { return Transaction(solver_create_transaction(solver_)); }

  private:
    ::Solver* solver_;
};

}  // namespace deploy::layering::solv
