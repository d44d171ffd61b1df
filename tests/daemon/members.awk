# Reduces D-Bus introspection XML (the source file or what busctl returns) to one line per member:
#   <interface> <member> method <in-signature> <out-signature>
#   <interface> <member> signal <signature>
#   <interface> <member> property <type>
# so the daemon's live introspection can be compared with org.deployd.Deploy1.xml.
function attr(name,    m) {
    if (match($0, name "=\"[^\"]*\"")) {
        m = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
        return m
    }
    return ""
}
function emit() {
    if (kind == "method")
        print iface, member, "method", (ins == "" ? "-" : ins), (outs == "" ? "-" : outs)
    else if (kind == "signal")
        print iface, member, "signal", (outs == "" ? "-" : outs)
    kind = ""
}
/<interface / { iface = attr("name") }
/<method / || /<signal / {
    kind = ($0 ~ /<method /) ? "method" : "signal"
    member = attr("name"); ins = ""; outs = ""
    if ($0 ~ /\/>/) emit()
    next
}
/<arg / {
    if (kind == "signal" || attr("direction") == "out") outs = outs attr("type")
    else ins = ins attr("type")
}
/<\/method>/ || /<\/signal>/ { emit() }
/<property / { print iface, attr("name"), "property", attr("type") }
