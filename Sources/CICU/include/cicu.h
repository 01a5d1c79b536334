// cicu: a small C shim over ICU (libicu-dev, libicuuc).
//
// It has no stable API of its own: it exists so that Swift code never sees
// ICU's versioned symbol names (ubrk_open_72, ...). Extended grapheme cluster
// breaks are found over UTF-8 directly (utext_openUTF8), so no UTF-16 copy of
// a large file is made for segmentation.
#ifndef CICU_H
#define CICU_H

#include <stdint.h>

/// The Unicode version implemented by the linked ICU, e.g. "15.0".
/// Writes at most `capacity` bytes including the terminating NUL.
void cicu_unicode_version(char *out, int32_t capacity);

#endif
