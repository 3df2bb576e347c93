import Core
import Hummingbird
import HTTPTypes
import Logging
import MCP
import Net
import Storage
import FoundationEssentials
import TestSupport

/// A real MCP endpoint on an ephemeral 127.0.0.1 port, with a real SQLite file. A test
/// header `X-Test-User: subject:tier[:admin]` sets the authenticated caller, standing in
/// for the auth middleware; without it the caller is a guest by address.
struct MCPTestServer {
    let baseURL: String
    let server: MCPServer
    let database: Database
    let workspace: Workspace
    var url: String { baseURL + "/v1/mcp" }

    /// guest: chat; pro: chat, memory, agents, web, code; admin: everything.
    static let policy = ClosureAccessPolicy(require: { feature, principal in
        if principal.isAdmin { return }
        let allowed: Set<Feature> = principal.tier == "pro" ? [.chat, .memory, .agents, .web, .code] : [.chat]
        guard allowed.contains(feature) else { throw APIError.forbidden("tier \(principal.tier) lacks \(feature)") }
    })

    static func run<T: Sendable>(
        extraTools: [any Tool] = [],
        pageSize: Int = 5,
        allowedOrigins: [String] = [],
        _ body: @Sendable (MCPTestServer) async throws -> T
    ) async throws -> T {
        let directory = TemporaryDirectory.make()
        let database = try await Database(path: directory + "/triforce.db")
        let origin = ReplicaOrigin(nodeID: "test-node", clock: HybridClock())
        let workspace = try Workspace(root: directory + "/workspace")
        var tools: [any Tool] = extraTools
        tools += MemoryTools.all(store: MemoryStore(database: database, origin: origin))
        tools += CodeTools.all(workspace: workspace)
        tools += [MCPTools.shell(workspace: workspace)]
        tools += [ClosureTool(name: "echo", description: "Echo a message.", feature: .chat, annotations: .readOnlyLocal,
                              schema: InputSchema.object(["message": InputSchema.string("text", maxLength: 100)], required: ["message"])) { arguments, _ in
            .text(arguments["message"]?.stringValue ?? "")
        }]
        let registry = ToolRegistry(tools: tools, policy: policy, audit: AuditStore(database: database), pageSize: pageSize)
        let server = MCPServer(info: .init(version: "test"), registry: registry,
                               status: { ["status": "ok", "node_id": "test-node"] },
                               meshStats: { ["nodes": 1, "mesh": "not configured: this node alone"] })
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: TestPrincipalMiddleware())
        MCPController(server: server, origins: OriginPolicy(allowedOrigins: allowedOrigins, loopbackOnly: true)).register(on: router)
        let result = try await LiveServer.run(router) { port in
            try await body(MCPTestServer(baseURL: "http://127.0.0.1:\(port)", server: server, database: database, workspace: workspace))
        }
        await database.close()
        return result
    }

    /// POSTs one JSON-RPC body with curl; adds the usual MCP headers.
    func post(_ body: JSONValue, session: String? = nil, user: String? = nil, headers extra: [String: String] = [:],
              accept: String = "application/json, text/event-stream") async throws -> CurlResponse {
        var headers = ["Content-Type": "application/json", "Accept": accept]
        if let session { headers["Mcp-Session-Id"] = session }
        if let user { headers["X-Test-User"] = user }
        headers.merge(extra) { $1 }
        return try await Curl.request(url, method: "POST", headers: headers, body: body.jsonText)
    }

    /// initialize + notifications/initialized; returns the session id.
    func initialize(user: String? = nil, version: String = "2025-11-25") async throws -> String {
        let response = try await post(["jsonrpc": "2.0", "id": 1, "method": "initialize",
                                       "params": ["protocolVersion": .string(version), "capabilities": [:],
                                                  "clientInfo": ["name": "test", "version": "1"]]], user: user)
        guard let session = response.headers["mcp-session-id"] else {
            throw TestFailure("no session header: \(response.status) \(response.body)")
        }
        _ = try await post(["jsonrpc": "2.0", "method": "notifications/initialized"], session: session, user: user,
                           headers: ["MCP-Protocol-Version": version])
        return session
    }

    /// tools/call without a session; returns the JSON-RPC response.
    func call(_ tool: String, _ arguments: JSONValue, user: String? = "admin:admin:admin") async throws -> JSONValue {
        let response = try await post(["jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                       "params": ["name": .string(tool), "arguments": arguments]], user: user)
        return response.json ?? .null
    }
}

struct TestPrincipalMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let spec = request.headers[HTTPField.Name("X-Test-User")!] {
            let parts = spec.split(separator: ":").map(String.init)
            context.principal = Principal(subject: parts[0], tier: parts.count > 1 ? parts[1] : "guest",
                                          isAdmin: parts.count > 2 && parts[2] == "admin", method: .token)
        }
        return try await next(request, context)
    }
}

extension JSONValue {
    /// The text of the first content block of a tools/call result.
    var toolText: String { self["result"]?["content"]?[0]?["text"]?.stringValue ?? "" }
    var toolIsError: Bool { self["result"]?["isError"]?.boolValue ?? false }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
