// error_of<E>(fn): the message of the E that fn throws; a test failure (and "") when it throws
// nothing or another kind. Shared by the unit tests that check refusals by their wording.
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <string>

template <typename E, typename F>
std::string error_of(F&& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL_CHECK("threw another kind of error: " << e.what());
        return "";
    }
    FAIL_CHECK("did not throw");
    return "";
}
