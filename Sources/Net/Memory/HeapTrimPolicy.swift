/// When to trim the heap (`MallocHeap.trim`): after a burst, once the node is quiet again.
///
/// Fed one observation per tick (open connections, resident bytes). A trim is due when
/// resident memory stands `growthBytes` above where it was after the last trim (or at the
/// first observation) and the node is quiet: at most `quietConnections` open, or a quarter of
/// the peak seen since the last trim. A busy node is not trimmed (its free chunks would be
/// faulted back at once), and a node whose memory is in use is trimmed once, not every tick:
/// the level after each trim becomes the new baseline.
public struct HeapTrimPolicy: Sendable {
    public var growthBytes: Int64
    public var quietConnections: Int
    public private(set) var baseline: Int64?
    public private(set) var peakConnections = 0

    public init(growthBytes: Int64 = 8 << 20, quietConnections: Int = 8) {
        self.growthBytes = max(growthBytes, 0)
        self.quietConnections = max(quietConnections, 0)
    }

    /// Records one observation; true when a trim should run now (then call `trimmed`).
    public mutating func observe(connections: Int, residentBytes: Int64) -> Bool {
        peakConnections = max(peakConnections, connections)
        guard let baseline, residentBytes > baseline else {
            // The first look, or memory went down by itself: that is the level to beat.
            baseline = residentBytes
            return false
        }
        let quiet = connections <= quietConnections || connections <= peakConnections / 4
        let (growth, overflow) = residentBytes.subtractingReportingOverflow(baseline)
        return quiet && (overflow || growth >= growthBytes)
    }

    /// After a trim: what is left is the new baseline, and the peak starts over.
    public mutating func trimmed(connections: Int, residentBytes: Int64) {
        baseline = residentBytes
        peakConnections = connections
    }
}
