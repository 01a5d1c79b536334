// RandomGenerator: the one seeded generator of charlstm.
//
// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. One instance is
// driven by `--seed` and used for initialisation, batching, dropout and
// sampling. Its whole state is four UInt64 words, which checkpoints store so a
// resumed run draws exactly the numbers the uninterrupted run would have.

/// A deterministic, seedable, savable random number generator (xoshiro256**).
package struct RandomGenerator: RandomNumberGenerator, Equatable, Sendable {
    /// The four 64-bit words of state (never all zero).
    package private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator seeded from `seed` by SplitMix64, as the xoshiro authors recommend.
    package init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator restored from saved state words; nil if the state is invalid (all zero).
    package init?(state words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    /// The state as four words, for saving.
    package var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    package static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
        a.stateWords == b.stateWords
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    @inline(__always)
    package mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// A uniform Double in [0, 1) with 53 random bits.
    @inline(__always)
    package mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform integer in 0..<n (n > 0), without modulo bias (Lemire's method).
    package mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }
}
