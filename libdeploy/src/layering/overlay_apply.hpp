// Folding an overlayfs upper layer into its lower directory once the overlay is unmounted, so the
// lower tree becomes what the merged view showed. The lower tree is a hardlink checkout that
// shares its file inodes with the store: this only ever renames, unlinks and creates directory
// entries there, and sets metadata on directories (which checkouts never share), so no stored
// object is written.
#pragma once

namespace deploy::layering {

struct OverlayApplyStats {
    unsigned long replaced = 0;  // files, symlinks and new directories moved in
    unsigned long removed = 0;   // entries deleted by whiteouts or opaque directories
};

// upper_fd and lower_fd are the two layer roots. Whiteouts (character devices 0:0) delete,
// directories marked opaque (trusted.overlay.opaque=y) replace the lower one's contents, and
// overlayfs' own trusted.overlay.* xattrs are dropped, and moved-in files get mtime 0 like every
// file of a checkout. upper is consumed.
OverlayApplyStats apply_overlay_upper(int upper_fd, int lower_fd);

}  // namespace deploy::layering
