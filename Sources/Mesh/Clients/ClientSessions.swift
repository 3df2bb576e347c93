public import Core
public import Logging
public import Net

/// The client sessions registered on this node (the seed's `node/register`) and the calls
/// waiting on them. A call to a client's tool goes to the client over its own connection as
/// a JSON-RPC `tools/call` request; the client's response resumes the caller. When a
/// connection closes, its session and tools are gone at once and every call waiting on it
/// gets an error. Every bound is in `ClientSessionLimits`.
public actor ClientSessions {
    /// JSON-RPC code of a refusal by limit (too many sessions, tools or pending calls).
    public static let limitCode = -32005
    /// JSON-RPC code of a call whose client went away, timed out or does not exist.
    public static let unavailableCode = -32004

    /// One registered session, as the rest of the node sees it.
    public struct Session: Sendable {
        public let id: String
        public let hostname: String
        /// Who the client acts as: its credentials' subject with the lower of the asked and
        /// the allowed tier.
        public let principal: Principal
        public let tools: [ClientToolDefinition]
        let connection: Int
    }

    struct Connection {
        let transport: any MeshTransport
        var sessionID: String?
    }

    struct Pending {
        let connection: Int
        let continuation: CheckedContinuation<Result<JSONValue, JSONRPCError>, Never>
        let timer: Task<Void, Never>?
    }

    public nonisolated let limits: ClientSessionLimits
    let logger: Logger
    var connections: [Int: Connection] = [:]
    var sessions: [String: Session] = [:]
    var pending: [Int64: Pending] = [:]
    var nextConnection = 0
    var nextCall: Int64 = 0
    var observers: [@Sendable () async -> Void] = []

    public init(limits: ClientSessionLimits = ClientSessionLimits(), logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Sessions in id order.
    public var all: [Session] { sessions.values.sorted { $0.id < $1.id } }

    public func session(_ id: String) -> Session? { sessions[id] }

    /// Calls waiting on a session's client.
    public func inFlight(session id: String) -> Int {
        guard let connection = sessions[id]?.connection else { return 0 }
        return pending.values.filter { $0.connection == connection }.count
    }

    /// Runs `handler` after every change of the set of sessions or their tools.
    public func onChange(_ handler: @escaping @Sendable () async -> Void) { observers.append(handler) }

    // MARK: - Connections and registration

    /// A new client connection; returns its handle for the calls below.
    public func connect(_ transport: any MeshTransport) -> Int {
        nextConnection += 1
        connections[nextConnection] = Connection(transport: transport)
        return nextConnection
    }

    /// The connection closed: its session and tools go, its waiting calls fail.
    public func disconnect(_ connection: Int) {
        guard let entry = connections.removeValue(forKey: connection) else { return }
        for (id, call) in pending where call.connection == connection {
            pending[id] = nil
            call.timer?.cancel()
            call.continuation.resume(returning: .failure(JSONRPCError(
                code: Self.unavailableCode, message: "the client's session closed before it answered")))
        }
        if let sessionID = entry.sessionID, sessions[sessionID]?.connection == connection {
            sessions[sessionID] = nil
            logger.info("mesh client session closed", metadata: ["session": "\(sessionID)"])
            changed()
        }
    }

    /// Registers (or, on the same connection, replaces) a session. `principal` is already
    /// the acting one (lower-of tier); `subject` counting uses its subject.
    public func register(_ registration: ClientRegistration, principal: Principal, connection: Int) -> Result<Session, JSONRPCError> {
        guard var entry = connections[connection] else {
            return .failure(JSONRPCError(code: Self.unavailableCode, message: "the connection is closing"))
        }
        if let existing = sessions[registration.sessionID], existing.connection != connection {
            return .failure(.invalidParams("session_id \(registration.sessionID) is already registered on this node by another connection; pick another id"))
        }
        let replacing = entry.sessionID
        let held = sessions.values.filter { $0.principal.subject == principal.subject && $0.connection != connection }.count
        guard held < limits.sessionsPerPrincipal else {
            return .failure(JSONRPCError(code: Self.limitCode,
                                         message: "\(principal.subject) already holds \(held) sessions; the limit is \(limits.sessionsPerPrincipal)"))
        }
        guard replacing != nil || sessions.count < limits.sessions else {
            return .failure(JSONRPCError(code: Self.limitCode, message: "this node holds its limit of \(limits.sessions) client sessions; retry later"))
        }
        if let replacing, replacing != registration.sessionID { sessions[replacing] = nil }
        let session = Session(id: registration.sessionID, hostname: registration.hostname, principal: principal,
                              tools: registration.tools, connection: connection)
        sessions[session.id] = session
        entry.sessionID = session.id
        connections[connection] = entry
        logger.info("mesh client session registered", metadata: [
            "session": "\(session.id)", "hostname": "\(session.hostname)", "subject": "\(principal.subject)",
            "tier": "\(principal.tier)", "tools": "\(session.tools.count)",
        ])
        changed()
        return .success(session)
    }

    func changed() {
        for observer in observers { Task { await observer() } }
    }

    // MARK: - Calls to a client's tools

    /// Sends `tools/call` to the session's client and waits for its answer (a
    /// `CallToolResult` object), the timeout, the connection closing, or cancellation.
    public func call(session id: String, tool: String, arguments: JSONValue, timeout: Duration? = nil) async -> Result<JSONValue, JSONRPCError> {
        guard let session = sessions[id], let entry = connections[session.connection] else {
            return .failure(JSONRPCError(code: Self.unavailableCode, message: "no client session \(id) on this node"))
        }
        guard session.tools.contains(where: { $0.name == tool }) else {
            return .failure(.invalidParams("session \(id) offers no tool \(tool)"))
        }
        guard pending.values.filter({ $0.connection == session.connection }).count < limits.pendingCallsPerSession else {
            return .failure(JSONRPCError(code: Self.limitCode,
                                         message: "session \(id) already has \(limits.pendingCallsPerSession) calls waiting; retry later"))
        }
        nextCall += 1
        let callID = nextCall
        let request: JSONValue = ["jsonrpc": "2.0", "id": .int(callID), "method": "tools/call",
                                  "params": ["name": .string(tool), "arguments": arguments]]
        let limit = timeout ?? limits.callTimeout
        let connection = session.connection
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<JSONValue, JSONRPCError>, Never>) in
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    await self?.finish(callID, .failure(JSONRPCError(
                        code: Self.unavailableCode, message: "session \(id) did not answer \(tool) within \(limit)")))
                }
                pending[callID] = Pending(connection: connection, continuation: continuation, timer: timer)
                if !entry.transport.send(request.jsonText) {
                    finish(callID, .failure(JSONRPCError(code: Self.unavailableCode, message: "session \(id) is not accepting calls (its queue is full or it closed)")))
                }
            }
        } onCancel: {
            Task { await self.cancel(callID) }
        }
    }

    /// A response frame from a client: resumes the call it answers (only calls sent on
    /// that same connection, so one client cannot answer another's).
    public func response(id: JSONValue, result: JSONValue?, error: JSONValue?, connection: Int) {
        guard let callID = id.intValue, let call = pending[callID], call.connection == connection else { return }
        if let error {
            let code = error["code"]?.intValue.flatMap { Int(exactly: $0) } ?? JSONRPCError.internalErrorCode
            let message = String((error["message"]?.stringValue ?? "the client reported an error").prefix(1000))
            finish(callID, .failure(JSONRPCError(code: code, message: "client error: " + message)))
        } else if let result, result.objectValue != nil {
            finish(callID, .success(result))
        } else {
            finish(callID, .failure(JSONRPCError(code: JSONRPCError.internalErrorCode, message: "the client answered tools/call without a CallToolResult object")))
        }
    }

    func finish(_ callID: Int64, _ outcome: Result<JSONValue, JSONRPCError>) {
        guard let call = pending.removeValue(forKey: callID) else { return }
        call.timer?.cancel()
        call.continuation.resume(returning: outcome)
    }

    /// The caller gave up: tell the client (MCP `notifications/cancelled`) and fail the call.
    func cancel(_ callID: Int64) {
        guard let call = pending[callID] else { return }
        let note = JSONRPC.notification("notifications/cancelled", ["requestId": .int(callID), "reason": "the caller cancelled"])
        connections[call.connection]?.transport.send(note.jsonText)
        finish(callID, .failure(JSONRPCError(code: Self.unavailableCode, message: "cancelled")))
    }
}
