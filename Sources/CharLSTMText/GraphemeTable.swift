// GraphemeTable: distinct graphemes keyed by their UTF-8 bytes, without
// building a String per occurrence (the corpus hot loop).

/// An open-addressing hash set of byte strings; each distinct string gets a
/// dense index (0, 1, 2, ... in first-seen order). Single-byte ASCII strings
/// go through a direct 128-entry table.
package struct GraphemeTable {
    package init() {}
    /// Index of each ASCII grapheme, or -1.
    private(set) var ascii = [Int32](repeating: -1, count: 128)
    /// All distinct graphemes' bytes, back to back.
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    /// Slots hold index + 1 (0 = empty); power-of-two size, at most half full.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var hashes: [UInt64] = []

    /// Number of distinct graphemes.
    var count: Int { offsets.count }

    /// The bytes of grapheme `index`.
    func bytes(_ index: Int) -> ArraySlice<UInt8> { arena[offsets[index] ..< offsets[index] + lengths[index]] }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325          // FNV-1a
        for i in 0 ..< n { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The index of grapheme `p[0 ..< n]`, adding it if new.
    @inline(__always)
    package mutating func index(of p: UnsafePointer<UInt8>, count n: Int) -> Int {
        if n == 1 && p[0] < 0x80 {
            let i = ascii[Int(p[0])]
            if i >= 0 { return Int(i) }
            let index = insert(p, n, hash: Self.hash(p, n))
            ascii[Int(p[0])] = Int32(index)
            return index
        }
        let h = Self.hash(p, n)
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let v = slots[s]
            if v == 0 { break }
            let e = Int(v) - 1
            if hashes[e] == h && lengths[e] == n {
                let equal = arena.withUnsafeBufferPointer { a in memcmpEqual(a.baseAddress! + offsets[e], p, n) }
                if equal { return e }
            }
            s = (s + 1) & mask
        }
        return insert(p, n, hash: h)
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int {
        let index = offsets.count
        offsets.append(arena.count)
        lengths.append(n)
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        if 2 * (index + 1) > slots.count { rehash(slots.count * 2) } else { place(index) }
        return index
    }

    private mutating func place(_ e: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hashes[e]) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(e + 1)
    }

    private mutating func rehash(_ size: Int) {
        slots = [Int32](repeating: 0, count: size)
        for e in 0 ..< offsets.count { place(e) }
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0 ..< n where a[i] != b[i] { return false }
    return true
}
