// Who is calling and may they: the caller's uid from the bus driver
// (org.freedesktop.DBus.GetConnectionUnixUser, not from anything the caller sends), uid 0 is
// allowed, everyone else is asked about through polkit's CheckAuthorization on the daemon's bus.
// Anything but a clear "yes" (polkit not running, an error, a challenge) is AccessDenied.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <unordered_map>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

namespace deployd {

struct Caller {
    std::string bus_name;  // unique name, ":1.42"
    uid_t uid = 0;
    std::string describe() const;  // "uid 1000 (:1.42)"
};

class Authorizer {
  public:
    // `driver` is a proxy for org.freedesktop.DBus on the daemon's connection.
    Authorizer(sdbus::IConnection& bus, sdbus::IProxy& driver);

    // Asks the bus driver once per connection: a unique name is never reused on a bus, so its
    // uid is remembered until forget() (NameOwnerChanged: it disconnected).
    Caller identify(const std::string& sender);
    void forget(const std::string& bus_name) { uids_.erase(bus_name); }
    // Throws deploy::Error(AccessDenied) unless `caller` may perform `action`.
    void check(const Caller& caller, const std::string& action);

  private:
    sdbus::IConnection& bus_;
    sdbus::IProxy& driver_;
    std::unordered_map<std::string, uid_t> uids_;
};

}  // namespace deployd
