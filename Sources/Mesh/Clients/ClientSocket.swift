public import Core
public import Net
import Synchronization

/// One client connection (a WebSocket on `/v1/mesh` of the API port, or on the mesh port
/// with a mesh-CA client certificate) seen as JSON-RPC frames. Serves `node/register`,
/// `tools/list`, `tools/call` (the mesh's tools, as the session's principal), `mesh/stats`
/// and `ping`; routes the client's responses to the calls waiting on them. Requests run in
/// their own tasks, so a client calling its own tool through the mesh cannot deadlock the
/// reader that must deliver its answer.
public struct ClientSocket: Sendable {
    /// What the node provides to client connections.
    public struct Environment: Sendable {
        /// The principal a client acts as: the lower of the tier it asks for and the tier
        /// its credentials allow.
        public var actingPrincipal: @Sendable (_ credentials: Principal, _ requestedTier: String?) async -> Principal
        /// The `tools/list` result for a principal.
        public var listTools: @Sendable (Principal) async -> JSONValue
        /// Runs `tools/call` (name, arguments) for a principal; the result is a `CallToolResult`.
        public var callTool: @Sendable (String, JSONValue?, Principal) async -> Result<JSONValue, JSONRPCError>
        public var stats: @Sendable () async -> JSONValue

        public init(actingPrincipal: @escaping @Sendable (Principal, String?) async -> Principal,
                    listTools: @escaping @Sendable (Principal) async -> JSONValue,
                    callTool: @escaping @Sendable (String, JSONValue?, Principal) async -> Result<JSONValue, JSONRPCError>,
                    stats: @escaping @Sendable () async -> JSONValue) {
            self.actingPrincipal = actingPrincipal
            self.listTools = listTools
            self.callTool = callTool
            self.stats = stats
        }
    }

    let sessions: ClientSessions
    let environment: Environment
    /// Who the credentials (Bearer token, API key, client certificate) say the client is.
    let credentials: Principal
    let transport: any MeshTransport
    let connection: Int
    let busy: RequestBudget

    /// Opens the connection's entry in `sessions`; call `closed()` when it ends.
    public init(sessions: ClientSessions, environment: Environment, credentials: Principal, transport: any MeshTransport) async {
        self.sessions = sessions
        self.environment = environment
        self.credentials = credentials
        self.transport = transport
        connection = await sessions.connect(transport)
        busy = RequestBudget(limit: sessions.limits.requestsPerConnection)
    }

    public func closed() async { await sessions.disconnect(connection) }

    /// Handles one text frame.
    public func received(_ text: String) async {
        guard let value = JSONValue.parse(text) else {
            transport.send(JSONRPC.error(id: .null, .parseError("parse error: the frame is not valid JSON")).jsonText)
            return
        }
        switch JSONRPCMessage.decode(value) {
        case .failure(let invalid):
            transport.send(JSONRPC.error(id: invalid.id, invalid.error).jsonText)
        case .success(.response(let id, let result, let error)):
            await sessions.response(id: id, result: result, error: error, connection: connection)
        case .success(.notification):
            // notifications/initialized, progress, cancelled of its own requests: nothing to do.
            break
        case .success(.request(let id, let method, let params)):
            guard busy.acquire() else {
                let error = JSONRPCError(code: ClientSessions.limitCode,
                                         message: "\(busy.limit) requests already in flight on this connection; wait for their answers")
                transport.send(JSONRPC.error(id: id, error).jsonText)
                return
            }
            let socket = self
            Task {
                let reply = await socket.answer(method: method, params: params)
                socket.busy.release()
                switch reply {
                case .success(let result): socket.transport.send(JSONRPC.result(id: id, result).jsonText)
                case .failure(let error): socket.transport.send(JSONRPC.error(id: id, error).jsonText)
                }
            }
        }
    }

    func answer(method: String, params: JSONValue?) async -> Result<JSONValue, JSONRPCError> {
        switch method {
        case "node/register":
            let registration: ClientRegistration
            do { registration = try ClientRegistration.parse(params, limits: sessions.limits) } catch { return .failure(error) }
            let acting = await environment.actingPrincipal(credentials, registration.requestedTier)
            return await sessions.register(registration, principal: acting, connection: connection).map { session in
                ["registered": true, "session_id": .string(session.id), "tier": .string(session.principal.tier),
                 "tools": .array(session.tools.map { .string($0.name) })]
            }
        case "tools/list":
            return .success(await environment.listTools(await actingPrincipal()))
        case "tools/call":
            guard let name = params?["name"]?.stringValue else { return .failure(.invalidParams("params.name (the tool name) is required")) }
            return await environment.callTool(name, params?["arguments"], await actingPrincipal())
        case "mesh/stats":
            return .success(await environment.stats())
        case "ping":
            return .success(["pong": true])
        default:
            return .failure(.methodNotFound(method))
        }
    }

    /// The registered session's principal, or before registration the credentials' own.
    func actingPrincipal() async -> Principal {
        await sessions.principal(connection: connection) ?? credentials
    }
}

extension ClientSessions {
    func principal(connection: Int) -> Principal? {
        connections[connection]?.sessionID.flatMap { sessions[$0]?.principal }
    }
}

/// Requests in flight on one connection, bounded.
final class RequestBudget: Sendable {
    let limit: Int
    private let count = Mutex(0)

    init(limit: Int) { self.limit = limit }

    func acquire() -> Bool {
        count.withLock { value in
            guard value < limit else { return false }
            value += 1
            return true
        }
    }

    func release() { count.withLock { $0 = max(0, $0 - 1) } }
}
