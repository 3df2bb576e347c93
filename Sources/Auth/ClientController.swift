import Core
public import Hummingbird
public import Net
import FoundationEssentials
import Storage

/// `/v1/client/*`: login (public, with its own backoff), logout, the caller's models and
/// the caller's account (`me`). Registered after `AuthMiddleware`, which sets the principal.
public struct ClientController: Sendable {
    public let services: AuthServices

    public init(services: AuthServices) { self.services = services }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.post("/v1/client/login") { request, context in try await login(request, context) }
        router.post("/v1/client/logout") { _, context in try await logout(context) }
        router.get("/v1/client/models") { _, context in try await models(context) }
        router.get("/v1/client/me") { _, context in try await me(context) }
    }

    struct LoginRequest: Decodable {
        let email: String
        let password: String
    }

    static let badLogin = APIError.unauthorized("invalid email or password")

    /// Longest email (RFC 5321 path) and password accepted; longer is 400 before any work.
    static let maxEmailBytes = 320
    static let maxPasswordBytes = 1_024

    /// Admission (per-client in-flight cap) → reservation (backoff, counted before hashing)
    /// → one hash on the bounded pool. Unknown email, wrong password and disabled account
    /// take the same path and get the same answer, so none can be told apart.
    func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        guard body.email.utf8.count <= Self.maxEmailBytes, body.password.utf8.count <= Self.maxPasswordBytes else {
            throw APIError.badRequest("email is limited to \(Self.maxEmailBytes) bytes and password to \(Self.maxPasswordBytes)",
                                      code: "invalid_login")
        }
        let email = (try? Email.normalize(body.email)) ?? body.email.trimmed().lowercased()
        let ip = context.clientAddress
        let services = self.services
        return try await services.loginAdmission.run(address: ip) {
            let reservation = try await services.backoff.reserve(email: email, address: ip)
            let hasher = services.users.hasher
            let found = try await services.users.credentials(email: email)
            // Same work whatever the outcome, so the response time reveals nothing.
            var verified = false
            if let found { verified = await hasher.verify(body.password, against: found.passwordHash) } else { await hasher.burn(body.password) }
            guard let found, verified, !found.user.disabled else {
                let outcome = found == nil ? "unknown email" : (verified ? "account disabled" : "wrong password")
                try await audit("failure: \(outcome)", email: email, ip: ip)
                throw Self.badLogin
            }
            try await services.backoff.succeeded(reservation)
            try await audit("success", email: email, ip: ip)
            let (token, claims) = try services.issueToken(for: found.user)
            return try Response.json(LoginResponse(token: token, expiresIn: claims.exp - claims.iat, tier: found.user.tier,
                                                   user: UserView(found.user)))
        }
    }

    /// Every login attempt lands in the audit log (never the password).
    func audit(_ outcome: String, email: String, ip: String) async throws {
        try await AuditStore(database: services.users.database).record(
            actor: email, action: "client.login", target: ip, outcome: outcome)
    }

    func logout(_ context: AppRequestContext) async throws -> Response {
        guard let principal = context.principal, principal.method == .token, let jti = principal.tokenID else {
            throw APIError.unauthorized("logout needs the login token: send Authorization: Bearer <token>")
        }
        // The token's own exp is at most now + lifetime; keeping the row that long is enough.
        let until = Int64(Date().timeIntervalSince1970) + services.configuration.tokenLifetimeSeconds + 60
        try await services.revocations.revoke(jti: jti, expiresAt: until)
        return try Response.json(["status": "logged_out"])
    }

    func models(_ context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        let tier = try await services.policy.tier(for: principal)
        let models = try await services.policy.allowedModels(tier: tier)
        let data: [JSONValue] = models.map { model in
            ["id": .string(model.id), "object": "model", "owned_by": .string(model.provider), "provider": .string(model.provider),
             "capabilities": .array(model.capabilities.map(JSONValue.string)), "local": .bool(model.isLocal)]
        }
        return try Response.json(["object": "list", "tier": .string(tier.name), "data": .array(data)] as JSONValue)
    }

    func me(_ context: AppRequestContext) async throws -> Response {
        let principal = try Self.principal(context)
        let tier = try await services.policy.tier(for: principal)
        var user: JSONValue = .null
        if !principal.isGuest, let found = try await services.users.find(id: principal.subject) {
            user = ["id": .string(found.id), "email": .string(found.email), "tier": .string(found.tier),
                    "role": .string(found.role.rawValue), "created_at": .int(found.createdAt)]
        }
        var quota: JSONValue = ["limit": .null, "remaining": .null, "reset_seconds": 0]
        if let limit = tier.requestsPerHour {
            let peek = try await services.limiter.peek(subject: principal.subject, limitPerHour: limit)
            quota = ["limit": .int(Int64(limit)), "remaining": .int(Int64(peek.remaining)), "reset_seconds": .int(Int64(peek.resetSeconds))]
        }
        let rph: JSONValue = tier.requestsPerHour.map { JSONValue.int(Int64($0)) } ?? .null
        let rule = JSONValue.parse((try? JSONEncoder().encode(tier.modelsRule)) ?? Data("{}".utf8)) ?? [:]
        let body: JSONValue = [
            "user": user,
            "subject": .string(principal.subject),
            "auth_method": .string(principal.method.rawValue),
            "tier": .string(tier.name),
            "limits": ["requests_per_hour": rph,
                       "features": .array(tier.features.map(\.rawValue).sorted().map(JSONValue.string)),
                       "models_rule": rule],
            "quota": quota,
        ]
        return try Response.json(body)
    }

    static func principal(_ context: AppRequestContext) throws -> Principal {
        guard let principal = context.principal else { throw APIError.internal("auth middleware did not run for this route") }
        return principal
    }
}

/// The public view of a user in API responses (never the hash).
struct UserView: Encodable {
    let id: String
    let email: String
    let tier: String
    let role: String
    let disabled: Bool

    init(_ user: User) {
        id = user.id
        email = user.email
        tier = user.tier
        role = user.role.rawValue
        disabled = user.disabled
    }
}

struct LoginResponse: Encodable {
    let token: String
    let tokenType = "Bearer"
    let expiresIn: Int64
    let tier: String
    let user: UserView

    enum CodingKeys: String, CodingKey {
        case token, tier, user
        case tokenType = "token_type"
        case expiresIn = "expires_in"
    }
}
