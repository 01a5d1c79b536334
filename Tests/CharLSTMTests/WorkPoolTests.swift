// ComputeThreads.run hands the items of a job to charlstm's own persistent
// threads (work_pool.c). Every item must run exactly once, whatever the
// thread count, and calls made while a job is in progress (nested in an item,
// or from another thread) must run their items themselves rather than wait
// for, or corrupt, the job in hand.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench
import CKernels

final class WorkPoolTests: XCTestCase {
    /// The context the jobs run on.
    private var compute = ComputeThreads.single

    /// Runs `items` items on the pool; returns how many times each ran.
    private func runCounts(items: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(items, 1))
        counts.initialize(repeating: 0, count: max(items, 1))
        defer { counts.deallocate() }
        compute.run(items: items) { i in counts[i] += 1 }   // each item owns its slot
        return Array(UnsafeBufferPointer(start: counts, count: items))
    }

    func testEveryItemRunsExactlyOnce() {
        for threads in [1, 2, 3, 5] {
            compute = ComputeThreads(threads: threads)
            for items in [0, 1, 2, 3, 7, 64, 1000] {
                for _ in 0..<20 {
                    XCTAssertEqual(runCounts(items: items), [Int](repeating: 1, count: items),
                                   "\(items) items on \(threads) threads")
                }
            }
        }
    }

    /// The workers really take items: with two threads and items that wait
    /// for each other's start, a single thread would never finish (the test
    /// would time out instead of failing, so it waits with a deadline).
    func testItemsRunOnMoreThanOneThread() {
        let compute = ComputeThreads(threads: 2)
        var sawBoth = false
        for _ in 0..<10 where !sawBoth {
            var threads = Set<UInt64>()
            let lock = NSLock()
            compute.run(items: 2) { _ in
                let id = UInt64(pthread_self())
                lock.lock(); threads.insert(id); lock.unlock()
                // Give the other thread up to 50 ms to take the other item.
                let deadline = Date().addingTimeInterval(0.05)
                while Date() < deadline {
                    lock.lock(); let n = threads.count; lock.unlock()
                    if n == 2 { break }
                }
            }
            sawBoth = threads.count == 2
        }
        XCTAssertTrue(sawBoth, "with 2 compute threads, no job ever ran on both")
    }

    func testNestedCallsRunTheirItems() {
        let compute = ComputeThreads(threads: 2)
        let outer = 8, inner = 5
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        counts.initialize(repeating: 0, count: outer * inner)
        defer { counts.deallocate() }
        compute.run(items: outer) { i in
            compute.run(items: inner) { j in counts[i * inner + j] += 1 }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: outer * inner)),
                       [Int](repeating: 1, count: outer * inner))
    }

    func testConcurrentCallersEachGetTheirOwnItems() {
        let compute = ComputeThreads(threads: 2)
        let callers = 4, items = 200, rounds = 50
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: callers * items)
        counts.initialize(repeating: 0, count: callers * items)
        defer { counts.deallocate() }
        let base = UInt(bitPattern: counts)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            let counts = UnsafeMutablePointer<Int>(bitPattern: base)!
            for _ in 0..<rounds {
                compute.run(items: items) { i in counts[c * items + i] += 1 }
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: callers * items)),
                       [Int](repeating: rounds, count: callers * items))
    }

    /// A NULL pool (no workers could be started) runs every item on the caller.
    func testNullPoolRunsItemsInOrder() {
        var order: [Int] = []
        withUnsafeMutablePointer(to: &order) { ptr in
            ck_work_pool_run(nil, 4, { context, i in
                context!.assumingMemoryBound(to: [Int].self).pointee.append(Int(i))
            }, ptr)
        }
        XCTAssertEqual(order, [0, 1, 2, 3])
    }
}
