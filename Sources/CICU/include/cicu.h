// cicu: a small C shim over ICU (libicu-dev, libicuuc).
//
// It has no stable API of its own: it exists so that Swift code never sees
// ICU's versioned symbol names (ubrk_open_72, ...) or ICU's headers.
//
// - Segmentation: extended grapheme cluster breaks are found over UTF-8
//   directly (utext_openUTF8 + ubrk_open(UBRK_CHARACTER)), so no UTF-16 copy
//   of the text is made for segmentation. An optional ASCII fast path skips
//   ICU between two ASCII bytes (always a break there, except CR LF).
// - Normalization: NFC / NFKC with unorm2. Text that is already normalized
//   (all ASCII, or passing unorm2_spanQuickCheckYes) is not copied.
//
// All text given to these functions must be valid UTF-8 (the Swift side
// validates first). Lengths are byte counts below 2^31.
#ifndef CICU_H
#define CICU_H

#include <stdint.h>

/// The Unicode version implemented by the linked ICU, e.g. "15.0".
/// Writes at most `capacity` bytes including the terminating NUL.
void cicu_unicode_version(char *out, int32_t capacity);

// ---------------------------------------------------------------------------
// Grapheme cluster segmentation

/// An ICU character break iterator plus its UTF-8 UText. Not thread-safe:
/// use one per thread (they are cheap to open).
typedef struct cicu_segmenter cicu_segmenter;

/// Opens a segmenter; NULL if ICU cannot provide a character break iterator
/// (e.g. missing ICU data).
cicu_segmenter *cicu_segmenter_open(void);

/// Closes a segmenter (NULL is allowed).
void cicu_segmenter_close(cicu_segmenter *segmenter);

/// Segments `text[0 ..< length]` (valid UTF-8), taken as a whole text (start
/// and end of text at its ends), into extended grapheme clusters.
///
/// Writes every boundary after 0, ascending, into `ends` (which must hold at
/// least `length` entries); the last one written is `length`. Returns how
/// many were written (0 for an empty text), or -1 on an ICU error.
/// `fast_ascii` != 0 enables the ASCII fast path; the result is identical.
int32_t cicu_segment(cicu_segmenter *segmenter, const uint8_t *text, int32_t length,
                     int32_t *ends, int fast_ascii);

// ---------------------------------------------------------------------------
// Normalization. `form`: 0 = NFC, 1 = NFKC (NormalizationForm.code).

/// Whether ICU can provide the normalizer for `form` (1) or not (0).
int cicu_normalizer_available(int form);

/// Normalizes `text[0 ..< length]` (valid UTF-8).
/// Returns 0 when the text is already normalized (nothing is allocated),
/// 1 when a normalized copy was made: `*out` (free it with cicu_free) holds
/// `*out_length` bytes, and -1 on an ICU error (or allocation failure).
int cicu_normalize(int form, const uint8_t *text, int32_t length,
                   uint8_t **out, int32_t *out_length);

/// Whether code point `c` always has a normalization boundary before it for
/// `form`: text can then be normalized in two pieces cut just before `c`.
int cicu_has_boundary_before(int form, int32_t c);

/// Frees memory returned by this shim.
void cicu_free(void *pointer);

#endif
