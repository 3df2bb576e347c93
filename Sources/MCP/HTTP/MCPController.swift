public import Core
public import Hummingbird
import HTTPTypes
public import Net
import FoundationEssentials
import Logging

/// The Streamable HTTP transport on `POST /v1/mcp` (alias `/mcp`): validates Origin and
/// Host, negotiates JSON or SSE from `Accept`, binds sessions to the caller, checks
/// `MCP-Protocol-Version`, and answers each exchange with its own replies (a reply is
/// never routed by JSON-RPC id across exchanges). `DELETE` ends a session; `GET` is 405
/// since this server never pushes outside a request.
public struct MCPController: Sendable {
    public let server: MCPServer
    public let origins: OriginPolicy
    /// Who a request without an authenticated principal is (default: a guest by address).
    public let anonymousPrincipal: @Sendable (_ clientAddress: String) -> Principal

    public init(server: MCPServer, origins: OriginPolicy,
                anonymousPrincipal: @escaping @Sendable (String) -> Principal = { Principal.guest(address: $0) }) {
        self.server = server
        self.origins = origins
        self.anonymousPrincipal = anonymousPrincipal
    }

    static let sessionHeader = HTTPField.Name("Mcp-Session-Id")!
    static let versionHeader = HTTPField.Name("MCP-Protocol-Version")!
    static let hostHeader = HTTPField.Name("Host")!
    /// A batch's limits: one POST of small `file_read` calls could otherwise ask for a reply
    /// of gigabytes (4 MiB of calls, 1 MiB each). Requests past the reply budget are not run.
    static let maxBatchMessages = 64
    static let maxBatchReplyBytes = 8 << 20

    public func register(on router: some RouterMethods<AppRequestContext>) {
        for path in ["/v1/mcp", "/mcp"] {
            router.post(RouterPath(path)) { request, context in try await post(request, context: context) }
            router.delete(RouterPath(path)) { request, context in try await delete(request, context: context) }
            // No standalone server-to-client stream: this server only speaks inside a request.
            router.get(RouterPath(path)) { request, _ in
                try checkOrigin(request)
                var response = try Self.rpcError(.methodNotAllowed, .invalidRequest("GET streams are not offered; POST JSON-RPC messages"))
                response.headers[.allow] = "POST, DELETE"
                return response
            }
        }
    }

    func principal(_ context: AppRequestContext) -> Principal {
        context.principal ?? anonymousPrincipal(context.clientAddress)
    }

    /// Origin and Host checks shared by every method.
    func checkOrigin(_ request: Request) throws {
        guard origins.allowsOrigin(request.headers.value(.origin)) else {
            throw APIError.forbidden("Origin \(request.headers[.origin] ?? "") is not allowed; add it to mcp_allowed_origins (MCP_ALLOWED_ORIGINS)",
                                     code: "origin_not_allowed")
        }
        guard origins.allowsHost(request.head.authority ?? request.headers[Self.hostHeader]) else {
            throw APIError.forbidden("Host is not a loopback name while the server listens on loopback", code: "host_not_allowed")
        }
    }

    func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        try checkOrigin(request)
        guard let id = request.headers[Self.sessionHeader] else {
            return try Self.rpcError(.badRequest, .invalidRequest("DELETE needs the Mcp-Session-Id header"))
        }
        guard await server.sessions.end(id, subject: principal(context).subject) else {
            return try Self.rpcError(.notFound, JSONRPCError(code: JSONRPCError.sessionNotFoundCode, message: "session not found; initialize a new one"))
        }
        return Response(status: .ok)
    }

    func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        try checkOrigin(request)
        let accept = AcceptHeader(request.headers.value(.accept))
        guard accept.json || accept.eventStream else {
            return try Self.rpcError(.notAcceptable, .invalidRequest("Accept must include application/json or text/event-stream"))
        }
        let caller = principal(context)
        var session: SessionStore.Session?
        if let id = request.headers[Self.sessionHeader] {
            session = await server.sessions.lookup(id, subject: caller.subject)
            if session == nil {
                return try Self.rpcError(.notFound, JSONRPCError(code: JSONRPCError.sessionNotFoundCode, message: "session not found or expired; send initialize again"))
            }
        }
        let headerVersion = request.headers[Self.versionHeader]
        if let headerVersion, !ProtocolVersion.all.contains(headerVersion) {
            return try Self.rpcError(.badRequest, JSONRPCError(
                code: JSONRPCError.unsupportedProtocolVersionCode,
                message: "unsupported MCP-Protocol-Version \(headerVersion); supported: \(ProtocolVersion.all.joined(separator: ", "))",
                data: ["supported": .array(ProtocolVersion.all.map { .string($0) }), "requested": .string(headerVersion)]))
        }
        if let session, let headerVersion, headerVersion != session.protocolVersion {
            return try Self.rpcError(.badRequest, .invalidRequest(
                "MCP-Protocol-Version \(headerVersion) does not match the session's \(session.protocolVersion)"))
        }
        let version = session?.protocolVersion ?? headerVersion ?? ProtocolVersion.assumedWithoutHeader
        let body = try await request.bodyData(context: context)

        let messages: [Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>]
        let isBatch: Bool
        let parsed: JSONValue
        switch JSONRPCBody.parse(body) {
        case .success(let value): parsed = value
        case .failure(let error): return try Self.rpcError(.badRequest, error)
        }
        let registry = server.registry
        switch JSONRPCBody.decode(LegacyRequest.upgrade(parsed, isTool: { registry.tool(named: $0) != nil })) {
        case .unusable(let error):
            return try Self.rpcError(.badRequest, error)
        case .single(let message):
            messages = [message]
            isBatch = false
        case .batch(let items):
            guard ProtocolVersion.allowsBatch(version) else {
                return try Self.rpcError(.badRequest, .invalidRequest("JSON-RPC batches are not supported in protocol \(version); send one message per POST"))
            }
            guard items.count <= Self.maxBatchMessages else {
                return try Self.rpcError(.badRequest, .invalidRequest("a batch holds at most \(Self.maxBatchMessages) messages, this one \(items.count); split it"))
            }
            messages = items
            isBatch = true
        }
        if let problem = Self.versionProblem(messages, headerVersion: headerVersion) {
            return try Self.rpcError(.badRequest, problem)
        }
        let exchange = MCPServer.Exchange(principal: caller, session: session, protocolVersion: version, logger: context.logger)
        let expectsReply = messages.contains { if case .success(.request) = $0 { true } else if case .failure = $0 { true } else { false } }
        guard expectsReply else {
            for case .success(let message) in messages { _ = await server.handle(message, exchange: exchange) }
            return Response(status: .accepted)
        }
        let streams = accept.eventStream && (!accept.json || messages.contains { Self.wantsProgress($0) })
        let initializes = messages.contains { if case .success(let m) = $0 { m.method == "initialize" } else { false } }
        // initialize is answered before the body starts, since its session id is a header.
        if streams && !initializes {
            return sse(messages, exchange: exchange)
        }
        var replies: [[UInt8]] = []   // each encoded once, as it comes
        var replyBytes = 0
        var created: SessionStore.Session?
        var encodedSingle: [UInt8]?
        for item in messages {
            var reply: JSONValue?
            switch item {
            case .failure(let invalid):
                reply = JSONRPC.error(id: invalid.id, invalid.error)
            case .success(.request(let id, let method, _)) where replyBytes > Self.maxBatchReplyBytes:
                reply = JSONRPC.error(id: id, .invalidRequest("\(method) not run: this batch's replies passed \(Self.maxBatchReplyBytes) bytes; send it again on its own"))
            case .success(let message):
                let outcome = await server.handle(message, exchange: exchange)
                reply = outcome.reply
                if let session = outcome.createdSession { created = session }
                if !isBatch { encodedSingle = outcome.encodedReply }
            }
            // A single answer already encoded (tools/list's is cached) is not encoded again.
            if let reply, isBatch || streams || encodedSingle == nil {
                let bytes = JSONSerializer.serialize(reply)
                replyBytes += bytes.count
                replies.append(bytes)
            }
        }
        var headers: HTTPFields = [:]
        if let created { headers[Self.sessionHeader] = created.id }
        if !streams, let encodedSingle {
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encodedSingle)))
        }
        var answer = ByteBuffer()
        headers[.contentType] = streams ? "text/event-stream" : "application/json"
        if streams {
            for reply in replies {
                answer.writeString("event: message\ndata: ")
                answer.writeBytes(reply)
                answer.writeString("\n\n")
            }
        } else if isBatch {
            answer.writeString("[")
            for (index, reply) in replies.enumerated() {
                if index > 0 { answer.writeString(",") }
                answer.writeBytes(reply)
            }
            answer.writeString("]")
        } else {
            answer.writeBytes(replies.first ?? Array("null".utf8))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer))
    }

    /// A stateless-revision request must name a version we speak, and match the header.
    static func versionProblem(_ messages: [Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>], headerVersion: String?) -> JSONRPCError? {
        for case .success(let message) in messages {
            guard let metaVersion = message.params?["_meta"]?[ProtocolVersion.metaVersionKey]?.stringValue else { continue }
            guard ProtocolVersion.all.contains(metaVersion) else {
                return JSONRPCError(code: JSONRPCError.unsupportedProtocolVersionCode,
                                    message: "unsupported protocol version \(metaVersion)",
                                    data: ["supported": .array(ProtocolVersion.all.map { .string($0) }), "requested": .string(metaVersion)])
            }
            if let headerVersion, headerVersion != metaVersion {
                return .invalidRequest("MCP-Protocol-Version \(headerVersion) does not match _meta protocolVersion \(metaVersion)")
            }
        }
        return nil
    }

    static func wantsProgress(_ item: Result<JSONRPCMessage, JSONRPCMessage.InvalidMessage>) -> Bool {
        guard case .success(let message) = item else { return false }
        return message.params?["_meta"]?["progressToken"] != nil
    }
}
