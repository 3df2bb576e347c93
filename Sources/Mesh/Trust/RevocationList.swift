import Synchronization

/// The revoked certificate serials the mesh handshake hook checks. The hook runs inside the
/// handshake on an event-loop thread and must not block, so it reads this in-memory set;
/// `RevocationRefreshService` replaces it from SQLite every second, which is how a
/// `triforce ca revoke` run in another process reaches a running server.
public final class RevocationList: Sendable {
    private let serials = Mutex<Set<String>>([])

    public init() {}

    public func contains(_ serial: String) -> Bool { serials.withLock { $0.contains(serial) } }
    public func replace(with new: Set<String>) { serials.withLock { $0 = new } }
    public var count: Int { serials.withLock { $0.count } }
}
