// Buffer: an owned, 64-byte-aligned, zero-initialised array of scalars.
//
// Every large tensor in charlstm (parameters, gradients, optimizer moments,
// activations, workspaces) lives in a Buffer. Hot loops take its raw pointer
// (`buffer.base`) so they run without bounds checks or reference counting.
// It zeroes with memset, not a generic fill: other modules use Buffer<Float>,
// and a generic body called across modules fills element by element through
// value witnesses (measured: 2-3% of a training step).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An owned, fixed-size, 64-byte-aligned buffer of `T`, zeroed on creation.
package final class Buffer<T: BinaryFloatingPoint> {
    /// Number of elements.
    package let count: Int
    /// Start of the storage; valid for `count` elements while `self` lives.
    package let base: UnsafeMutablePointer<T>

    /// A zero-filled buffer of `count` elements.
    package init(count: Int) {
        precondition(count >= 0, "Buffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: 64)
        base = raw.bindMemory(to: T.self, capacity: max(count, 1))
        memset(raw, 0, max(count, 1) * MemoryLayout<T>.stride)   // all-zero bytes are +0.0
    }

    /// A buffer holding a copy of `values`.
    package convenience init<C: Collection>(copying values: C) where C.Element == T {
        self.init(count: values.count)
        var i = 0
        for v in values { base[i] = v; i += 1 }
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    /// The storage as a buffer pointer (no copy).
    package var pointer: UnsafeMutableBufferPointer<T> { .init(start: base, count: count) }

    /// A copy of the contents as an array.
    package var array: [T] { Array(pointer) }

    package subscript(i: Int) -> T {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Sets every element to zero.
    package func zero() { memset(base, 0, count * MemoryLayout<T>.stride) }

    /// Copies `other` (same count) into this buffer.
    package func copy(from other: Buffer<T>) {
        precondition(other.count == count, "Buffer.copy: count mismatch")
        base.update(from: other.base, count: count)
    }
}
