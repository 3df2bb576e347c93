public import Logging
public import NIOCore
import Synchronization

/// Counts the HTTP connections open at once and refuses more than `maximum`, so a flood of
/// idle sockets cannot exhaust file descriptors and starve the database and outgoing calls.
/// Shared by every connection of one listener.
public final class ConnectionLimiter: Sendable {
    public let maximum: Int
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    public init(maximum: Int) { self.maximum = max(1, maximum) }

    /// Takes a slot; false when all are in use (the connection must be closed unanswered).
    func acquire() -> Bool {
        let (_, now) = open.add(1, ordering: .acquiringAndReleasing)
        guard now <= maximum else {
            open.subtract(1, ordering: .acquiringAndReleasing)
            refused.add(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.subtract(1, ordering: .acquiringAndReleasing) }

    /// Takes a slot for `channel` until it closes; false when all are in use (the caller then
    /// puts `RefuseConnectionHandler` first in its pipeline).
    func admit(_ channel: any Channel, logger: Logger) -> Bool {
        guard acquire() else {
            // Debug only: under a flood a line per refused socket would flood the log too.
            logger.debug("connection refused: limit reached", metadata: ["limit": "\(maximum)"])
            return false
        }
        channel.closeFuture.whenComplete { [self] _ in release() }
        return true
    }

    /// Connections holding a slot right now.
    public var current: Int { open.load(ordering: .acquiring) }
    /// Connections refused because the limit was reached, since start.
    public var refusedTotal: Int { refused.load(ordering: .relaxed) }
}
