import FoundationEssentials
public import Logging

/// Live MCP sessions and the tool calls running in them. A session belongs to the caller
/// who created it: presented by anyone else it does not exist (404, never 403, so ids
/// cannot be probed). Idle sessions expire; the count is bounded.
///
/// Who may push whom out, when the table is full (guests cannot evict paying users):
/// - one owner (a user, a key, or one guest network: IPv4 address / IPv6 /64, which
///   `Principal.guest` already folds into the subject) holds at most `maxPerOwner`
///   sessions; a new one replaces that owner's least recently used;
/// - otherwise, when full, a guest's new session replaces the least recently used *guest*
///   session, and is refused when there is none; a signed-in caller's replaces the least
///   recently used guest session first, and a signed-in one only when no guest has any.
public actor SessionStore {
    public struct Session: Sendable {
        public let id: String
        public let subject: String
        public let isGuest: Bool
        public let protocolVersion: String
        public var logLevel: Logger.Level?
        var lastUsed: ContinuousClock.Instant
    }

    /// JSON-RPC error code (server range, not a spec code) for a guest's `initialize` refused
    /// because every session belongs to a signed-in caller.
    public static let tableFullCode = -32003

    private var sessions: [String: Session] = [:]
    /// Cancel handles by "scope|request id"; several when sessionless callers reuse an id.
    private var running: [String: [Int: @Sendable () -> Void]] = [:]
    private var nextToken = 0
    let maxSessions: Int
    let maxPerOwner: Int
    let idleTimeout: Duration

    public init(maxSessions: Int = 1_000, maxPerOwner: Int = 16, idleTimeout: Duration = .seconds(3_600)) {
        self.maxSessions = max(1, maxSessions)
        self.maxPerOwner = max(1, maxPerOwner)
        self.idleTimeout = idleTimeout
    }

    /// A new session for `subject`, or nil when the table is full of signed-in callers'
    /// sessions and the caller is a guest.
    public func create(subject: String, isGuest: Bool, protocolVersion: String) -> Session? {
        expireIdle()
        let own = sessions.values.filter { $0.subject == subject }
        if own.count >= maxPerOwner, let oldest = Self.leastRecentlyUsed(own) {
            sessions[oldest.id] = nil
        } else if sessions.count >= maxSessions {
            let guests = sessions.values.filter(\.isGuest)
            let victim = Self.leastRecentlyUsed(guests) ?? (isGuest ? nil : Self.leastRecentlyUsed(sessions.values))
            guard let victim else { return nil }
            sessions[victim.id] = nil
        }
        let session = Session(id: UUID().uuidString.lowercased(), subject: subject, isGuest: isGuest,
                              protocolVersion: protocolVersion, logLevel: nil, lastUsed: .now)
        sessions[session.id] = session
        return session
    }

    static func leastRecentlyUsed(_ candidates: some Sequence<Session>) -> Session? {
        candidates.min { $0.lastUsed < $1.lastUsed }
    }

    /// The session when it exists and belongs to `subject`; touching it keeps it alive.
    public func lookup(_ id: String, subject: String) -> Session? {
        guard var session = sessions[id], session.subject == subject else { return nil }
        if ContinuousClock.now - session.lastUsed > idleTimeout {
            sessions[id] = nil
            return nil
        }
        session.lastUsed = .now
        sessions[id] = session
        return session
    }

    /// Ends a session and cancels its running calls. False when it was not the caller's.
    public func end(_ id: String, subject: String) -> Bool {
        guard sessions[id]?.subject == subject else { return false }
        sessions[id] = nil
        for (key, handles) in running where key.hasPrefix("session:\(id)|") {
            handles.values.forEach { $0() }
            running[key] = nil
        }
        return true
    }

    public func setLogLevel(_ level: Logger.Level, session id: String) {
        sessions[id]?.logLevel = level
    }

    public var count: Int { sessions.count }

    // MARK: running calls, for notifications/cancelled

    /// Registers a cancellable call under its scope (session or caller) and request id.
    func register(_ key: String, cancel: @escaping @Sendable () -> Void) -> Int {
        nextToken += 1
        running[key, default: [:]][nextToken] = cancel
        return nextToken
    }

    func finish(_ key: String, token: Int) {
        running[key]?[token] = nil
        if running[key]?.isEmpty == true { running[key] = nil }
    }

    /// Cancels the call if it is still running; a late or unknown cancel is ignored (spec).
    @discardableResult
    func cancel(_ key: String) -> Bool {
        guard let handles = running.removeValue(forKey: key) else { return false }
        handles.values.forEach { $0() }
        return true
    }

    private func expireIdle() {
        let now = ContinuousClock.now
        sessions = sessions.filter { now - $0.value.lastUsed <= idleTimeout }
    }
}
