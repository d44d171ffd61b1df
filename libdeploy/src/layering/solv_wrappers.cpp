// The few non-inline pieces of the libsolv wrappers.
#include <sys/utsname.h>

#include <new>
#include <stdexcept>

#include "solv_solver.hpp"

namespace deploy::layering::solv {

Pool::Pool() : pool_(pool_create()) {
    if (!pool_)
        throw std::bad_alloc();
    // Debian builds libsolv with Debian semantics by default (version comparison, "all" instead
    // of "noarch"); we resolve RPMs.
    if (pool_setdisttype(pool_, DISTTYPE_RPM) < 0) {
        pool_free(pool_);
        throw std::runtime_error("this libsolv cannot resolve RPM packages (no DISTTYPE_RPM)");
    }
    // Packages for the machine we run on (and noarch); composing for another arch is not a
    // goal of this tool.
    struct utsname u {};
    ::uname(&u);
    pool_setarch(pool_, u.machine);
}

void Pool::finalize() {
    // File dependencies (/bin/sh) are only satisfiable once file provides are indexed.
    pool_addfileprovides(pool_);
    pool_createwhatprovides(pool_);
}

std::vector<std::string> Solver::solve(IdQueue& job) {
    std::vector<std::string> problems;
    int count = solver_solve(solver_, job.get());
    for (Id p = 1; p <= count; ++p)
        problems.emplace_back(solver_problem2str(solver_, p));
    return problems;
}

std::vector<Id> Transaction::ordered_steps() {
    transaction_order(trans_, 0);
    std::vector<Id> steps;
    for (int i = 0; i < trans_->steps.count; ++i)
        steps.push_back(trans_->steps.elements[i]);
    return steps;
}

}  // namespace deploy::layering::solv
