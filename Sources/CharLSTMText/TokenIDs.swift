// TokenIDs: a corpus as grapheme ids, in the narrowest integer type that fits.

/// Token ids stored in the narrowest type that fits the vocabulary: one byte
/// per id for ≤ 256 entries, two for ≤ 65,536, else four. A 100 MB English
/// corpus thus takes about 100 MB as ids. Slices share storage (no copy).
package struct TokenIDs: Sendable, Equatable {
    package let storage: IDStorage
    /// First element of this view in `storage`.
    package let start: Int
    /// Number of ids.
    package let count: Int

    /// Bytes per stored id (1, 2 or 4).
    package var bytesPerID: Int { storage.width }

    /// The bytes per id for a vocabulary of `size` entries.
    package static func bytesPerID(vocabularySize size: Int) -> Int {
        size <= 256 ? 1 : (size <= 65_536 ? 2 : 4)
    }

    /// Ids for a vocabulary of `vocabularySize` entries. An id outside
    /// `0 ..< vocabularySize` cannot be stored faithfully and becomes 0 (`<unk>`).
    package init(_ ids: [Int], vocabularySize: Int) {
        var s = IDStorage.empty(width: Self.bytesPerID(vocabularySize: vocabularySize), capacity: ids.count)
        s.append(ids.map { $0 >= 0 && $0 < vocabularySize ? UInt32(truncatingIfNeeded: $0) : 0 })
        self.init(storage: s, start: 0, count: ids.count)
    }

    package init(storage: IDStorage, start: Int, count: Int) {
        self.storage = storage
        self.start = start
        self.count = count
    }

    /// The id at `i` (`0 ..< count`); no allocation.
    @inline(__always)
    package subscript(i: Int) -> Int {
        precondition(i >= 0 && i < count, "TokenIDs index out of range")
        return storage[start + i]
    }

    /// The ids in `range` (a view sharing storage).
    package func slice(_ range: Range<Int>) -> TokenIDs {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "TokenIDs slice out of range")
        return TokenIDs(storage: storage, start: start + range.lowerBound, count: range.count)
    }

    /// All ids as an array.
    package var array: [Int] { (0 ..< count).map { self[$0] } }

    package static func == (a: TokenIDs, b: TokenIDs) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0 ..< a.count where a[i] != b[i] { return false }
        return true
    }
}

/// Ids in one of three widths.
package enum IDStorage: Sendable {
    case u8([UInt8])
    case u16([UInt16])
    case u32([UInt32])

    package static func empty(width: Int, capacity: Int) -> IDStorage {
        switch width {
        case 1: var a = [UInt8](); a.reserveCapacity(capacity); return .u8(a)
        case 2: var a = [UInt16](); a.reserveCapacity(capacity); return .u16(a)
        default: var a = [UInt32](); a.reserveCapacity(capacity); return .u32(a)
        }
    }

    var width: Int {
        switch self { case .u8: 1; case .u16: 2; case .u32: 4 }
    }

    package var count: Int {
        switch self { case .u8(let a): a.count; case .u16(let a): a.count; case .u32(let a): a.count }
    }

    /// The largest id this width holds.
    var maxID: UInt32 {
        switch self { case .u8: 0xFF; case .u16: 0xFFFF; case .u32: 0xFFFF_FFFF }
    }

    @inline(__always)
    subscript(i: Int) -> Int {
        switch self {
        case .u8(let a): Int(a[i])
        case .u16(let a): Int(a[i])
        case .u32(let a): Int(a[i])
        }
    }

    /// Appends `ids` (each must fit the width).
    mutating func append<C: Collection>(_ ids: C) where C.Element == UInt32 {
        let a = Array(ids)
        a.withUnsafeBufferPointer { append($0) }
    }

    /// Appends `ids` (each must fit the width), narrowing with a plain loop.
    package mutating func append(_ ids: UnsafeBufferPointer<UInt32>) {
        switch self {
        case .u8(var a):
            self = .u8([]); Self.append(ids, to: &a); self = .u8(a)
        case .u16(var a):
            self = .u16([]); Self.append(ids, to: &a); self = .u16(a)
        case .u32(var a):
            self = .u32([]); a.append(contentsOf: ids); self = .u32(a)
        }
    }

    private static func append<T: FixedWidthInteger & UnsignedInteger>(_ ids: UnsafeBufferPointer<UInt32>, to a: inout [T]) {
        let old = a.count
        let n = ids.count
        if a.capacity < old + n { a.reserveCapacity(max(old + n, old + old / 2)) }
        // Grow by n zeros, then overwrite them.
        a.append(contentsOf: repeatElement(0, count: n))
        a.withUnsafeMutableBufferPointer { d in
            for i in 0 ..< n { d[old + i] = T(truncatingIfNeeded: ids[i]) }
        }
    }

    /// The same ids at `width` bytes each (a copy; the caller drops the old one).
    func widened(to width: Int, capacity: Int) -> IDStorage {
        var s = IDStorage.empty(width: width, capacity: max(capacity, count))
        switch self {
        case .u8(let a): s.append(a.lazy.map { UInt32($0) })
        case .u16(let a): s.append(a.lazy.map { UInt32($0) })
        case .u32(let a): s.append(a)
        }
        return s
    }

    /// Every id mapped through `map`, stored at `width` bytes per id; in place
    /// when the width does not change.
    consuming func remapped(_ map: [UInt32], width newWidth: Int) -> IDStorage {
        if newWidth == width {
            switch consume self {
            case .u8(var a):
                map.withUnsafeBufferPointer { m in for i in a.indices { a[i] = UInt8(truncatingIfNeeded: m[Int(a[i])]) } }
                return .u8(a)
            case .u16(var a):
                map.withUnsafeBufferPointer { m in for i in a.indices { a[i] = UInt16(truncatingIfNeeded: m[Int(a[i])]) } }
                return .u16(a)
            case .u32(var a):
                map.withUnsafeBufferPointer { m in for i in a.indices { a[i] = m[Int(a[i])] } }
                return .u32(a)
            }
        }
        var out = IDStorage.empty(width: newWidth, capacity: count)
        map.withUnsafeBufferPointer { m in
            switch self {
            case .u8(let a): out.append(a.lazy.map { m[Int($0)] })
            case .u16(let a): out.append(a.lazy.map { m[Int($0)] })
            case .u32(let a): out.append(a.lazy.map { m[Int($0)] })
            }
        }
        return out
    }
}
