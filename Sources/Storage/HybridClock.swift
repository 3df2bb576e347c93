import Synchronization
import FoundationEssentials

/// Issues monotonically increasing HLC timestamps for local writes and merges remote ones.
/// Shared by every writer in the process; the mutex guards the last issued value.
public final class HybridClock: Sendable {
    private let last = Mutex(HLC(rawValue: 0))
    private let wallClock: @Sendable () -> UInt64
    /// Remote timestamps further ahead of our wall clock than this are rejected.
    public let maxDriftMilliseconds: UInt64

    public init(maxDriftMilliseconds: UInt64 = 60_000, wallClock: @escaping @Sendable () -> UInt64 = HybridClock.systemMilliseconds) {
        self.wallClock = wallClock
        self.maxDriftMilliseconds = maxDriftMilliseconds
    }

    public static func systemMilliseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }

    /// A timestamp greater than every one issued or observed before.
    public func now() -> HLC {
        let wall = wallClock()
        return last.withLock { last in
            let next = wall > last.milliseconds
                ? HLC(milliseconds: wall, counter: 0)
                : Self.successor(of: last)
            last = next
            return next
        }
    }

    /// Merges a timestamp seen on a remote change so later local writes order after it.
    public func observe(_ remote: HLC) throws(StorageError) {
        let wall = wallClock()
        guard remote.milliseconds <= wall + maxDriftMilliseconds else {
            throw StorageError(.invalidValue,
                "remote clock \(remote) is \(remote.milliseconds - wall) ms ahead of ours; limit is \(maxDriftMilliseconds) ms")
        }
        last.withLock { last in
            if remote > last { last = remote }
        }
    }

    /// This node's wall clock in Unix milliseconds (with any configured test offset).
    public var wallMilliseconds: UInt64 { wallClock() }

    /// Moves the clock past a timestamp already vetted or stored locally (the newest `hlc`
    /// in the database at start, rows of an accepted batch): a node whose wall clock jumped
    /// back keeps issuing timestamps above everything it has written or seen.
    public func advance(past value: HLC) {
        last.withLock { last in
            if value > last { last = value }
        }
    }

    private static func successor(of value: HLC) -> HLC {
        value.counter == UInt16.max
            ? HLC(milliseconds: value.milliseconds + 1, counter: 0)
            : HLC(milliseconds: value.milliseconds, counter: value.counter + 1)
    }
}
