public import Core
public import Net
public import Logging

/// Answers MCP JSON-RPC messages. Transport-free: the HTTP controller decodes bodies,
/// enforces headers and sessions, and hands each message here with its `Exchange`.
public struct MCPServer: Sendable {
    /// Server identity and the instructions shown to clients.
    public struct Info: Sendable {
        public var name: String
        public var version: String
        public var instructions: String

        public init(name: String = "triforce", version: String, instructions: String = "") {
            self.name = name
            self.version = version
            self.instructions = instructions
        }
    }

    /// One HTTP exchange (or one message of a batch): who asks, in which session and
    /// version, and where notifications for this request go (nil: plain JSON reply).
    public struct Exchange: Sendable {
        public var principal: Principal
        public var session: SessionStore.Session?
        public var protocolVersion: String
        public var logger: Logger
        public var notify: (@Sendable (JSONValue) async -> Void)?

        public init(principal: Principal, session: SessionStore.Session?, protocolVersion: String,
                    logger: Logger, notify: (@Sendable (JSONValue) async -> Void)? = nil) {
            self.principal = principal
            self.session = session
            self.protocolVersion = protocolVersion
            self.logger = logger
            self.notify = notify
        }

        /// Where a request id is unique: the session, else the caller.
        var scope: String { session.map { "session:\($0.id)" } ?? "caller:\(principal.subject)" }
    }

    /// The reply to one message and, for `initialize`, the session it created.
    public struct Outcome: Sendable {
        public var reply: JSONValue?
        public var createdSession: SessionStore.Session?
        /// `reply` already encoded, when it was assembled from cached bytes (`tools/list`):
        /// a plain JSON answer sends these instead of encoding `reply` again.
        public var encodedReply: [UInt8]?
    }

    public let info: Info
    public let registry: ToolRegistry
    public let sessions: SessionStore
    /// The node's status (bare `status` method and the `status` tool).
    public let status: @Sendable () async -> JSONValue
    /// Mesh statistics; this node alone until the mesh exists.
    public let meshStats: @Sendable () async -> JSONValue

    public init(info: Info, registry: ToolRegistry, sessions: SessionStore = SessionStore(),
                status: @escaping @Sendable () async -> JSONValue,
                meshStats: @escaping @Sendable () async -> JSONValue) {
        self.info = info
        self.registry = registry
        self.sessions = sessions
        self.status = status
        self.meshStats = meshStats
    }

    var capabilities: JSONValue { ["tools": ["listChanged": false], "logging": [:]] }
    var serverInfo: JSONValue { ["name": .string(info.name), "version": .string(info.version)] }

    public func handle(_ message: JSONRPCMessage, exchange: Exchange) async -> Outcome {
        switch message {
        case .response:
            // We never send requests to clients, so there is nothing to match it to.
            return Outcome()
        case .notification(let method, let params):
            await notification(method, params: params, exchange: exchange)
            return Outcome()
        case .request(let id, let method, let params):
            do {
                if method == "initialize" {
                    let (result, session) = try await initialize(params: params, exchange: exchange)
                    return Outcome(reply: JSONRPC.result(id: id, result), createdSession: session)
                }
                if method == "tools/list" { return try await listTools(id: id, params: params, exchange: exchange) }
                var result = try await request(id: id, method: method, params: params, exchange: exchange)
                if Self.isStateless(params), case .object(var object) = result {
                    object["resultType"] = "complete"
                    // 2026-07-28 cacheable results carry cache hints (tools/list: listTools);
                    // discovery is the same for all callers.
                    if method == "server/discover" { (object["ttlMs"], object["cacheScope"]) = (3_600_000, "public") }
                    result = .object(object)
                }
                return Outcome(reply: JSONRPC.result(id: id, result))
            } catch {
                return Outcome(reply: JSONRPC.error(id: id, error))
            }
        }
    }

    /// A request naming the stateless revision in `_meta` (2026-07-28).
    static func isStateless(_ params: JSONValue?) -> Bool {
        params?["_meta"]?[ProtocolVersion.metaVersionKey]?.stringValue == ProtocolVersion.stateless
    }

    private func initialize(params: JSONValue?, exchange: Exchange) async throws(JSONRPCError) -> (JSONValue, SessionStore.Session) {
        let version = ProtocolVersion.negotiate(params?["protocolVersion"]?.stringValue)
        guard let session = await sessions.create(subject: exchange.principal.subject, isGuest: exchange.principal.isGuest,
                                                  protocolVersion: version) else {
            throw JSONRPCError(code: SessionStore.tableFullCode,
                               message: "no MCP session available for guests right now; retry later or sign in")
        }
        exchange.logger.info("mcp session started", metadata: [
            "client": "\(params?["clientInfo"]?["name"]?.stringValue ?? "?")", "protocol": "\(version)"])
        var result: [String: JSONValue] = [
            "protocolVersion": .string(version), "capabilities": capabilities, "serverInfo": serverInfo,
        ]
        if !info.instructions.isEmpty { result["instructions"] = .string(info.instructions) }
        return (.object(result), session)
    }

    /// `tools/list`: one page of the caller's listing, whose JSON was built once for its
    /// tier's features; the reply is spliced around those bytes, not encoded again.
    private func listTools(id: JSONValue, params: JSONValue?, exchange: Exchange) async throws(JSONRPCError) -> Outcome {
        let cursor = params?["cursor"]
        if let cursor, cursor.stringValue == nil, !cursor.isNull { throw JSONRPCError.invalidParams("cursor must be a string") }
        let page = try await registry.listEncoded(cursor: cursor?.stringValue, principal: exchange.principal)
        var fields: [String: JSONValue] = [:]
        if let next = page.nextCursor { fields["nextCursor"] = .string(next) }
        if Self.isStateless(params) {
            // 2026-07-28 cacheable results carry cache hints; the tool list depends on the
            // caller's tier, so it is private.
            (fields["resultType"], fields["ttlMs"], fields["cacheScope"]) = ("complete", 60_000, "private")
        }
        var result = fields
        result["tools"] = .array(Array(page.entries))
        return Outcome(reply: JSONRPC.result(id: id, .object(result)),
                       encodedReply: Self.encodeResult(id: id, fields: fields, splicing: "tools", page.encoded))
    }

    /// `{"id":…,"jsonrpc":"2.0","result":{…}}` with `fields` plus `key` holding the
    /// already-encoded `value`: the bytes `JSONRPC.result(...).encoded()` would give (keys
    /// sorted the same way), without re-encoding `value`.
    static func encodeResult(id: JSONValue, fields: [String: JSONValue], splicing key: String, _ value: [UInt8]) -> [UInt8] {
        var out = JSONSerializer(reservingCapacity: value.count + 256)
        out.writeFragment("{\"id\":")
        out.write(id)
        out.writeFragment(",\"jsonrpc\":\"2.0\",\"result\":{")
        let keys = (fields.keys.filter { $0 != key } + [key]).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (position, name) in keys.enumerated() {
            if position > 0 { out.writeFragment(",") }
            out.writeString(name)
            out.writeFragment(":")
            if name == key { out.writeEncoded(value) } else if let field = fields[name] { out.write(field) }
        }
        out.writeFragment("}}")
        return out.bytes
    }

    private func request(id: JSONValue, method: String, params: JSONValue?, exchange: Exchange) async throws(JSONRPCError) -> JSONValue {
        switch method {
        case "ping":
            return [:]
        case "server/discover":
            var result: [String: JSONValue] = [
                "supportedVersions": .array(ProtocolVersion.all.reversed().map { .string($0) }),
                "capabilities": capabilities, "serverInfo": serverInfo,
            ]
            if !info.instructions.isEmpty { result["instructions"] = .string(info.instructions) }
            return .object(result)
        case "tools/call":
            return try await callTool(id: id, params: params, exchange: exchange)
        case "logging/setLevel":
            guard let name = params?["level"]?.stringValue, let level = Self.logLevel(name) else {
                throw JSONRPCError.invalidParams("level must be one of debug, info, notice, warning, error, critical, alert, emergency")
            }
            if let session = exchange.session { await sessions.setLogLevel(level, session: session.id) }
            return [:]
        case "status":
            return await status()
        case "mesh/stats":
            return await meshStats()
        default:
            throw JSONRPCError.methodNotFound(method)
        }
    }

    private func notification(_ method: String, params: JSONValue?, exchange: Exchange) async {
        switch method {
        case "notifications/cancelled":
            guard let requestID = params?["requestId"] else { return }
            let cancelled = await sessions.cancel(exchange.scope + "|" + requestID.jsonText)
            exchange.logger.info("mcp cancel", metadata: ["request": "\(requestID.jsonText)", "found": "\(cancelled)"])
        default:
            // notifications/initialized and anything unknown: nothing to do (spec: ignore).
            break
        }
    }

    static func logLevel(_ name: String) -> Logger.Level? {
        switch name {
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warning": .warning
        case "error": .error
        case "critical", "alert", "emergency": .critical
        default: nil
        }
    }
}
