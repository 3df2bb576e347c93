import Core
public import Storage
import Net
import FoundationEssentials

/// Everything the auth layer needs, opened once per node: stores, the JWT signer, the
/// policy, the rate limiter and the login backoff. Controllers and the middleware share it.
public struct AuthServices: Sendable {
    public let configuration: AuthConfiguration
    public let users: UserStore
    public let tiers: TierStore
    public let keys: APIKeyStore
    public let revocations: RevocationStore
    public let limiter: RateLimiter
    public let backoff: LoginBackoff
    public let loginAdmission: LoginAdmission
    public let jwt: JWT
    public let policy: TierAccessPolicy
    public let authenticator: Authenticator

    /// Seeds the default tiers when absent and loads (or creates) the signing secret.
    public static func open(database: Database, origin: ReplicaOrigin, configuration: AuthConfiguration = AuthConfiguration()) async throws -> AuthServices {
        let tiers = TierStore(database: database, origin: origin)
        try await tiers.seedDefaults()
        let secret = try await SigningSecret.load(environmentValue: configuration.jwtSecret, database: database)
        return AuthServices(configuration: configuration, database: database, origin: origin, tiers: tiers, secret: secret)
    }

    init(configuration: AuthConfiguration, database: Database, origin: ReplicaOrigin, tiers: TierStore, secret: [UInt8]) {
        self.configuration = configuration
        self.users = UserStore(database: database, origin: origin, hasher: PasswordHasher(iterations: configuration.passwordIterations))
        self.tiers = tiers
        self.keys = APIKeyStore(database: database, origin: origin)
        self.revocations = RevocationStore(database: database, origin: origin)
        self.limiter = RateLimiter(database: database, origin: origin)
        self.backoff = LoginBackoff(database: database, parameters: configuration.backoff)
        self.loginAdmission = LoginAdmission(perSource: configuration.loginsInFlightPerClient, total: configuration.loginsInFlightTotal)
        self.jwt = JWT(secret: secret)
        self.policy = TierAccessPolicy(tiers: tiers)
        self.authenticator = Authenticator(users: users, keys: keys, revocations: revocations, jwt: jwt)
    }

    /// A signed login token for `user`, valid for the configured lifetime.
    public func issueToken(for user: User) throws -> (token: String, claims: JWT.Claims) {
        let now = Int64(Date().timeIntervalSince1970)
        let claims = JWT.Claims(sub: user.id, tier: user.tier, role: user.role.rawValue, iat: now,
                                exp: now + configuration.tokenLifetimeSeconds, jti: try SecureRandom.token(bytes: 16))
        return (jwt.sign(claims), claims)
    }

    /// Creates the first admin when none exists: returns its email and generated password
    /// (to print once), or nil when an admin already exists.
    public func ensureFirstAdmin(email: String = "admin@localhost") async throws -> (email: String, password: String)? {
        guard try await !users.hasAdmin() else { return nil }
        let password = try PasswordHasher.generatePassword()
        let user = try await users.add(email: email, password: password, tier: "unlimited", role: .admin)
        return (user.email, password)
    }
}
