import Core
import Auth
import Net
import Storage
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import FoundationEssentials
import TestSupport

/// A real HTTP server on an ephemeral 127.0.0.1 port with the auth layer in front of
/// stand-in protected routes (the real chat/MCP/admin controllers live on other branches;
/// `ProtectedPaths` names the real paths so the matrix can be pointed at them).
struct AuthHarness {
    static let secret = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
    let services: AuthServices
    let database: Database
    let directory: String
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func configuration() -> AuthConfiguration {
        var configuration = AuthConfiguration(jwtSecret: secret)
        configuration.passwordIterations = 1_000
        configuration.backoff.freeAttemptsPerPair = 2
        configuration.backoff.freeAttemptsPerSource = 1_000
        // Blocks far longer than any test takes on a loaded machine: a 1 s block could expire
        // between two requests and let an attempt through that the test expects refused.
        configuration.backoff.baseSeconds = 600
        return configuration
    }

    static func open(directory: String, configuration: AuthConfiguration) async throws -> (Database, AuthServices) {
        let database = try await Database(path: directory + "/triforce.db")
        let origin = ReplicaOrigin(nodeID: "node-test", clock: HybridClock())
        return (database, try await AuthServices.open(database: database, origin: origin, configuration: configuration))
    }

    static func run<T: Sendable>(directory: String = TemporaryDirectory.make(), configuration: AuthConfiguration = configuration(),
                                 _ body: @Sendable (AuthHarness) async throws -> T) async throws -> T {
        let (database, services) = try await open(directory: directory, configuration: configuration)
        let router = Router(context: AppRequestContext.self)
        let methods = MethodTable()
        router.add(middleware: ErrorMiddleware(methods: methods))
        router.add(middleware: AuthMiddleware(services: services))
        let routes = RecordingRouter(router: router, table: methods)
        ClientController(services: services).register(on: routes)
        let ok: @Sendable (Request, AppRequestContext) async throws -> Response = { _, context in
            try Response.json(["ok": JSONValue.bool(true), "subject": .string(context.principal?.subject ?? "")])
        }
        for path in ProtectedPaths.chat + ProtectedPaths.mcp { routes.post(RouterPath(stringLiteral: path), use: ok) }
        routes.get(RouterPath(stringLiteral: ProtectedPaths.admin), use: ok)
        routes.get("/health", use: ok)
        // A controller gating on a feature itself, the way memory/agents will.
        routes.post(RouterPath(stringLiteral: ProtectedPaths.memory)) { request, context in
            try await services.policy.require(.memory, for: context.principal ?? .guest(address: context.clientAddress))
            return try await ok(request, context)
        }
        let logger = Logger(label: "auth-test") { _ in SwiftLogNoOpLogHandler() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("server did not start") }
        do {
            let result = try await body(AuthHarness(services: services, database: database, directory: directory, port: port))
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await database.close()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            await database.close()
            throw error
        }
    }

    func request(_ path: String, method: String = "POST", token: String? = nil, headers: [String: String] = [:],
                 body: String? = nil) async throws -> CurlResponse {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let body = body ?? (method == "GET" ? nil : #"{"model":"x","messages":[]}"#)
        if body != nil { headers["Content-Type"] = "application/json" }
        return try await Curl.request(baseURL + path, method: method, headers: headers, body: body)
    }

    func login(_ email: String, _ password: String) async throws -> CurlResponse {
        try await request("/v1/client/login", body: JSONValue.object(["email": .string(email), "password": .string(password)]).jsonText)
    }

    /// Creates a user and returns a login token for it.
    func userToken(_ email: String, tier: String = "pro", role: User.Role = .user) async throws -> String {
        try await services.users.add(email: email, password: "password-\(email)", tier: tier, role: role)
        let response = try await login(email, "password-\(email)")
        guard response.status == 200, let token = response.json?["token"]?.stringValue else {
            throw HarnessError("login failed: \(response.status) \(response.body)")
        }
        return token
    }
}

/// The real protected paths on main (and the ones other branches add), for the auth matrix.
enum ProtectedPaths {
    static let chat = ["/v1/chat/completions", "/v1/chat", "/v1/messages"]
    static let mcp = ["/v1/mcp", "/mcp"]
    static let admin = "/v1/admin/status"
    static let memory = "/v1/memory/search"   // stand-in for a feature-gated controller
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Hand-made JWTs for attacks: arbitrary header, payload and signing.
enum ForgedToken {
    static func make(header: String, payload: String, key: String?) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        guard let key else { return input + "." }
        return input + "." + Base64URL.encode(HMAC.sha256(key: Array(key.utf8), message: Array(input.utf8)))
    }

    static func payload(sub: String, exp: Int64, jti: String = "forged") -> String {
        #"{"sub":"\#(sub)","tier":"unlimited","role":"admin","iat":\#(exp - 100),"exp":\#(exp),"jti":"\#(jti)"}"#
    }
}
