#!/bin/sh
# The live D-Bus API is exactly daemon/org.deployd.Deploy1.xml: every method, signal and property
# of both interfaces with the same signatures, nothing missing, nothing extra.
. "$TESTS_DIR/daemon/fixture.sh"
start_daemon
XML=$TESTS_DIR/../daemon/org.deployd.Deploy1.xml
[ -f "$XML" ] || fail "no $XML"

members() { awk -f "$TESTS_DIR/daemon/members.awk" | grep "^org\.deployd\." | sort; }

members <"$XML" >"$WORK/expected"
[ "$(grep -c . "$WORK/expected")" -gt 20 ] || fail "could not read the XML"

# A transaction object to introspect: a request whose client leaves is kept, finished.
path=$(busctl --address="$BUS" call org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 \
    Rollback | sed 's/^o "\(.*\)"$/\1/')
{
    busctl --address="$BUS" introspect --xml-interface org.deployd.Deploy1 /org/deployd/Deploy1
    busctl --address="$BUS" introspect --xml-interface org.deployd.Deploy1 "$path"
} | members >"$WORK/actual"
diff -u "$WORK/expected" "$WORK/actual" || fail "live introspection differs from the XML"

# busctl's own table view shows the same (a spot check of the human-facing form).
busctl --address="$BUS" introspect org.deployd.Deploy1 /org/deployd/Deploy1 org.deployd.Deploy1 |
    grep -Eq '^\.KernelArgs +method +asasas +o ' || fail "busctl introspect table"
# Every polkit action the daemon checks (include/deployd/names.hpp) is declared in the .policy,
# and the .policy declares nothing else.
NAMES=$TESTS_DIR/../daemon/include/deployd/names.hpp
POLICY=$TESTS_DIR/../systemd/org.deployd.Deploy1.policy
sed -n 's/.*inline constexpr const char\* k[A-Za-z]* = "\(org\.deployd\.Deploy1\.[a-z-]*\)";.*/\1/p' \
    "$NAMES" | grep -v '\.Error\.' | sort >"$WORK/actions.names"
sed -n 's/.*<action id="\([^"]*\)">.*/\1/p' "$POLICY" | sort >"$WORK/actions.policy"
[ "$(grep -c . "$WORK/actions.names")" -ge 9 ] || fail "could not read the actions of names.hpp"
diff -u "$WORK/actions.names" "$WORK/actions.policy" || fail "names.hpp and the .policy differ"
echo "daemon_introspect: ok"
