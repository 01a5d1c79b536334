// ProcessStats: facts about this process read from /proc (Linux).

#if canImport(Glibc)
import Glibc
#endif

/// Peak resident set size of this process in MiB (VmHWM), or nil if unknown.
package func peakResidentMiB() -> Double? {
    guard let f = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(cString: line)
        if s.hasPrefix("VmHWM:") {
            let digits = s.filter { $0.isNumber }
            if let kb = Double(digits) { return kb / 1024 }
        }
    }
    return nil
}

/// Monotonic time in seconds.
package func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
