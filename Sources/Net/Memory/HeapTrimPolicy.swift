/// When to trim the heap (`MallocHeap.trim`): when malloc holds a lot of free memory.
///
/// Fed one observation per tick (resident bytes, and the bytes free inside malloc's arenas).
/// A trim is due when at least `minimumFreeBytes` and a quarter of the resident set are free
/// inside malloc: a burst of connections came and went (or its request phases left holes
/// between long-lived streams). After a trim the free chunks stay counted as free (only their
/// pages went back), so the next trim waits until the resident set has grown `growthBytes`
/// past where the last trim left it: a node is trimmed once per burst, not every tick.
public struct HeapTrimPolicy: Sendable {
    public var minimumFreeBytes: Int64
    public var growthBytes: Int64
    /// Resident bytes right after the last trim; nil before the first.
    public private(set) var afterLastTrim: Int64?

    public init(minimumFreeBytes: Int64 = 8 << 20, growthBytes: Int64 = 8 << 20) {
        self.minimumFreeBytes = max(minimumFreeBytes, 0)
        self.growthBytes = max(growthBytes, 0)
    }

    /// True when a trim should run now (then call `trimmed`).
    public func isDue(residentBytes: Int64, freeBytes: Int64) -> Bool {
        guard freeBytes >= minimumFreeBytes, freeBytes >= residentBytes / 4 else { return false }
        guard let afterLastTrim else { return true }
        let (growth, overflow) = residentBytes.subtractingReportingOverflow(afterLastTrim)
        return overflow ? residentBytes > afterLastTrim : growth >= growthBytes
    }

    /// After a trim: the resident set it left is the level to grow past before the next.
    public mutating func trimmed(residentBytes: Int64) {
        afterLastTrim = residentBytes
    }
}
