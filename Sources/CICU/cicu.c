#include "cicu.h"
#include <unicode/uchar.h>

void cicu_unicode_version(char *out, int32_t capacity) {
    UVersionInfo v;
    u_getUnicodeVersion(v);
    u_versionToString(v, out);
    (void)capacity;
}
