// cicu.c: the ICU shim. See include/cicu.h.
#include "cicu.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

void cicu_unicode_version(char *out, int32_t capacity) {
    char text[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getUnicodeVersion(v);
    u_versionToString(v, text);
    if (capacity <= 0) return;
    strncpy(out, text, (size_t)capacity - 1);
    out[capacity - 1] = 0;
}

// ---------------------------------------------------------------------------
// Segmentation

struct cicu_segmenter {
    UBreakIterator *iterator;
    UText text;
};

cicu_segmenter *cicu_segmenter_open(void) {
    cicu_segmenter *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    UText initial = UTEXT_INITIALIZER;
    s->text = initial;
    UErrorCode status = U_ZERO_ERROR;
    s->iterator = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &status);
    if (U_FAILURE(status) || !s->iterator) {
        if (s->iterator) ubrk_close(s->iterator);
        free(s);
        return NULL;
    }
    return s;
}

void cicu_segmenter_close(cicu_segmenter *s) {
    if (!s) return;
    ubrk_close(s->iterator);
    utext_close(&s->text);
    free(s);
}

/// Points the iterator at `text` (a UTF-8 UText, no copy).
static int attach(cicu_segmenter *s, const uint8_t *text, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&s->text, (const char *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    ubrk_setUText(s->iterator, &s->text, &status);
    return U_FAILURE(status) ? -1 : 0;
}

int32_t cicu_segment(cicu_segmenter *s, const uint8_t *t, int32_t n, int32_t *ends, int fast_ascii) {
    if (n <= 0) return 0;
    int32_t k = 0;
    if (!fast_ascii) {
        // Pure ICU: every boundary from the break iterator.
        if (attach(s, t, n) != 0) return -1;
        ubrk_first(s->iterator);
        for (int32_t j = ubrk_next(s->iterator); j != UBRK_DONE; j = ubrk_next(s->iterator)) {
            if (j <= 0 || j > n) return -1;
            ends[k++] = j;
        }
        return k;
    }
    // ASCII fast path. We always stand at a boundary i. Between two ASCII
    // characters there is always a break (UAX #29 GB999), except CR x LF
    // (GB3), and after LF there is always a break (GB4). No ASCII character
    // is Extend, ZWJ, SpacingMark, Prepend, Regional_Indicator or
    // Extended_Pictographic, so no rule with left context (GB9b, GB11, GB12,
    // GB13) can join two ASCII characters. An ASCII byte followed by a
    // non-ASCII byte goes to ICU (a combining mark may attach to it).
    int attached = 0;
    int32_t i = 0;
    while (i < n) {
        uint8_t c = t[i];
        if (c < 0x80) {
            if (i + 1 == n) { ends[k++] = n; break; }
            uint8_t d = t[i + 1];
            if (d < 0x80) {
                i += (c == 0x0D && d == 0x0A) ? 2 : 1;
                ends[k++] = i;
                continue;
            }
        }
        // ICU from the boundary i, until the fast path applies again.
        if (!attached) {
            if (attach(s, t, n) != 0) return -1;
            attached = 1;
        }
        int32_t j = ubrk_following(s->iterator, i);
        for (;;) {
            if (j == UBRK_DONE || j <= i || j > n) return -1;
            ends[k++] = j;
            i = j;
            if (i >= n) break;
            if (t[i] < 0x80 && (i + 1 == n || t[i + 1] < 0x80)) break;
            j = ubrk_next(s->iterator);
        }
    }
    return k;
}

// ---------------------------------------------------------------------------
// Normalization

static const UNormalizer2 *normalizer(int form) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = form == 1 ? unorm2_getNFKCInstance(&status) : unorm2_getNFCInstance(&status);
    return U_FAILURE(status) ? NULL : n;
}

int cicu_normalizer_available(int form) { return normalizer(form) != NULL; }

int cicu_has_boundary_before(int form, int32_t c) {
    const UNormalizer2 *n = normalizer(form);
    return n ? (int)unorm2_hasBoundaryBefore(n, (UChar32)c) : 0;
}

void cicu_free(void *p) { free(p); }

int cicu_normalize(int form, const uint8_t *t, int32_t n, uint8_t **out, int32_t *out_length) {
    // ASCII is invariant under NFC and NFKC: skip the ASCII prefix, except
    // its last character, which a following combining mark may compose with.
    // No ASCII character is ever the second of a composition pair, nor
    // interacts with what precedes it, so the prefix before that stays as is.
    int32_t k = 0;
    while (k < n && t[k] < 0x80) k++;
    if (k == n) return 0;
    const UNormalizer2 *norm = normalizer(form);
    if (!norm) return -1;
    int32_t start = k > 0 ? k - 1 : 0;
    int32_t m = n - start;

    UErrorCode status = U_ZERO_ERROR;
    UChar *u = malloc((size_t)m * sizeof(UChar));   // UTF-16 units <= UTF-8 bytes
    if (!u) return -1;
    int32_t ulen = 0;
    u_strFromUTF8(u, m, &ulen, (const char *)t + start, m, &status);
    if (U_FAILURE(status)) { free(u); return -1; }
    int32_t span = unorm2_spanQuickCheckYes(norm, u, ulen, &status);
    if (U_FAILURE(status)) { free(u); return -1; }
    if (span == ulen) { free(u); return 0; }    // already normalized: no copy

    // Normalize the rest after the quick-check-yes prefix.
    int32_t capacity = ulen + ulen / 2 + 16;
    UChar *d = NULL;
    int32_t dlen = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        d = malloc((size_t)capacity * sizeof(UChar));
        if (!d) { free(u); return -1; }
        memcpy(d, u, (size_t)span * sizeof(UChar));
        status = U_ZERO_ERROR;
        dlen = unorm2_normalizeSecondAndAppend(norm, d, span, capacity, u + span, ulen - span, &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            free(d); d = NULL;
            capacity = dlen + 16;
            continue;
        }
        break;
    }
    free(u);
    if (!d || U_FAILURE(status)) { free(d); return -1; }

    // Back to UTF-8, after the untouched ASCII prefix.
    int32_t need = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, d, dlen, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) { free(d); return -1; }
    if ((int64_t)start + need > INT32_MAX) { free(d); return -1; }
    uint8_t *o = malloc((size_t)start + (size_t)need + 1);
    if (!o) { free(d); return -1; }
    memcpy(o, t, (size_t)start);
    status = U_ZERO_ERROR;
    int32_t written = 0;
    u_strToUTF8((char *)o + start, need + 1, &written, d, dlen, &status);
    free(d);
    if (U_FAILURE(status)) { free(o); return -1; }
    *out = o;
    *out_length = start + written;
    return 1;
}
