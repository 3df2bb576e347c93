import FoundationEssentials
public import Logging

/// Live MCP sessions and the tool calls running in them. A session belongs to the caller
/// who created it: presented by anyone else it does not exist (404, never 403, so ids
/// cannot be probed). Idle sessions expire; the count is bounded.
public actor SessionStore {
    public struct Session: Sendable {
        public let id: String
        public let subject: String
        public let protocolVersion: String
        public var logLevel: Logger.Level?
        var lastUsed: ContinuousClock.Instant
    }

    private var sessions: [String: Session] = [:]
    /// Cancel handles by "scope|request id"; several when sessionless callers reuse an id.
    private var running: [String: [Int: @Sendable () -> Void]] = [:]
    private var nextToken = 0
    let maxSessions: Int
    let idleTimeout: Duration

    public init(maxSessions: Int = 1_000, idleTimeout: Duration = .seconds(3_600)) {
        self.maxSessions = maxSessions
        self.idleTimeout = idleTimeout
    }

    public func create(subject: String, protocolVersion: String) -> Session {
        expireIdle()
        if sessions.count >= maxSessions, let oldest = sessions.values.min(by: { $0.lastUsed < $1.lastUsed }) {
            sessions[oldest.id] = nil
        }
        let session = Session(id: UUID().uuidString.lowercased(), subject: subject, protocolVersion: protocolVersion,
                              logLevel: nil, lastUsed: .now)
        sessions[session.id] = session
        return session
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
