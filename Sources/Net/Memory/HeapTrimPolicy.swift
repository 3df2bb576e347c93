/// When to trim the heap (`MallocHeap.trim`): when malloc holds a lot of free memory.
///
/// Fed one observation per tick (resident bytes, and the bytes free inside malloc's arenas).
/// A trim is due when at least `minimumFreeBytes` and a sixteenth of the resident set are
/// free inside malloc: a burst of connections came and went (or its request phases left
/// holes between long-lived streams). With 1,000 streams opened at once (bench/memory.sh,
/// MALLOC_STATS=1) 4.7–17 MB of a 44.5–57 MB heap was free and a trim gave back 2.8–6 MB
/// of RSS; a quarter, the first threshold, was never reached there. After a trim the free
/// chunks stay counted as free (only their pages went back), so the next trim waits until
/// the resident set or the free bytes have grown `growthBytes` past where the last trim left
/// them (streams opened and faulted pages back in, or closed and freed more): once per
/// change, not every tick.
public struct HeapTrimPolicy: Sendable {
    public var minimumFreeBytes: Int64
    public var growthBytes: Int64
    /// Resident and free bytes right after the last trim; nil before the first.
    public private(set) var afterLastTrim: (resident: Int64, free: Int64)?

    public init(minimumFreeBytes: Int64 = 4 << 20, growthBytes: Int64 = 8 << 20) {
        self.minimumFreeBytes = max(minimumFreeBytes, 0)
        self.growthBytes = max(growthBytes, 0)
    }

    /// True when a trim should run now (then call `trimmed`).
    public func isDue(residentBytes: Int64, freeBytes: Int64) -> Bool {
        guard freeBytes >= minimumFreeBytes, freeBytes >= residentBytes / 16 else { return false }
        guard let last = afterLastTrim else { return true }
        return grew(from: last.resident, to: residentBytes) || grew(from: last.free, to: freeBytes)
    }

    /// After a trim: the levels it left are the ones to grow past before the next.
    public mutating func trimmed(residentBytes: Int64, freeBytes: Int64) {
        afterLastTrim = (residentBytes, freeBytes)
    }

    private func grew(from old: Int64, to new: Int64) -> Bool {
        let (growth, overflow) = new.subtractingReportingOverflow(old)
        return overflow ? new > old : growth >= growthBytes
    }
}
