// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) by carry-less
// multiplication: the folding method of Gopal et al., "Fast CRC Computation
// for Generic Polynomials Using PCLMULQDQ Instruction" (Intel, 2009), with the
// constants of Linux's arch/x86/crypto/crc32-pclmul_asm.S.
//
// The message is kept as four 128-bit accumulators; each round multiplies
// every accumulator by x^(512±32) mod P (two 64×64 carry-less products) and
// xors in the next 64 bytes, so 64 bytes cost 8 PCLMULQDQ and no table
// lookups. At the end the four lanes are folded into one, the 128 bits
// reduced to 64, to 32, and a Barrett reduction gives the remainder.
//
// Only the state is handled here (no initial or final inversion): the caller
// (CRC32.swift) inverts, folds a prefix of whole 16-byte blocks here and
// finishes the tail with its tables.
#include "ckernels.h"
#include <immintrin.h>

#if defined(__x86_64__) || defined(__i386__)

__attribute__((target("pclmul,sse4.1")))
static uint32_t fold_clmul(uint32_t state, const uint8_t *p, int64_t n) {
    // x^(4·128+32) mod P and x^(4·128−32) mod P (bit-reflected, 33 bits): fold by 64 bytes.
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    // x^(128+32) mod P and x^(128−32) mod P: fold by 16 bytes.
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    // x^64 mod P: 64 → 32 bits.
    const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124LL);
    // Barrett reduction: P itself (with its x^32 term) and μ = floor(x^64 / P), reflected.
    const __m128i poly_mu = _mm_set_epi64x(0x1f7011641LL, 0x1db710641LL);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);

    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 0));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)state));   // the state enters with the first bytes
    p += 64;
    n -= 64;

    // Four lanes, 64 bytes per round.
    while (n >= 64) {
        __m128i h1 = _mm_clmulepi64_si128(x1, k1k2, 0x11), l1 = _mm_clmulepi64_si128(x1, k1k2, 0x00);
        __m128i h2 = _mm_clmulepi64_si128(x2, k1k2, 0x11), l2 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
        __m128i h3 = _mm_clmulepi64_si128(x3, k1k2, 0x11), l3 = _mm_clmulepi64_si128(x3, k1k2, 0x00);
        __m128i h4 = _mm_clmulepi64_si128(x4, k1k2, 0x11), l4 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(h1, l1), _mm_loadu_si128((const __m128i *)(p + 0)));
        x2 = _mm_xor_si128(_mm_xor_si128(h2, l2), _mm_loadu_si128((const __m128i *)(p + 16)));
        x3 = _mm_xor_si128(_mm_xor_si128(h3, l3), _mm_loadu_si128((const __m128i *)(p + 32)));
        x4 = _mm_xor_si128(_mm_xor_si128(h4, l4), _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        n -= 64;
    }

    // Four lanes into one: fold x1 over x2, then over x3, then over x4.
#define FOLD16(acc, next) _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(acc, k3k4, 0x00), \
                                                      _mm_clmulepi64_si128(acc, k3k4, 0x11)), next)
    x1 = FOLD16(x1, x2);
    x1 = FOLD16(x1, x3);
    x1 = FOLD16(x1, x4);
    // Remaining whole 16-byte blocks.
    while (n >= 16) {
        x1 = FOLD16(x1, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }
#undef FOLD16

    // 128 → 64 bits (appending 32 zero bits): low half times x^(128−32) mod P, plus the high half.
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(k3k4, x1, 0x01), _mm_srli_si128(x1, 8));
    // 64 → 32 bits.
    __m128i hi = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00), hi);
    // Barrett reduction of the remaining 64 bits to the 32-bit remainder.
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly_mu, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly_mu, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, t), 1);
}

int ck_crc32_has_clmul(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    }
    return cached;
}

uint32_t ck_crc32_fold(uint32_t state, const uint8_t *p, int64_t n) {
    return fold_clmul(state, p, n);
}

#else  // not x86: never chosen (ck_crc32_has_clmul is 0); the tables do the work.

int ck_crc32_has_clmul(void) { return 0; }
uint32_t ck_crc32_fold(uint32_t state, const uint8_t *p, int64_t n) { (void)p; (void)n; return state; }

#endif
