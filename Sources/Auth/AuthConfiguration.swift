import Net

/// Settings for the auth layer, resolved by the appliance from its configuration.
public struct AuthConfiguration: Sendable {
    /// `JWT_SECRET`; nil or empty: generate once and store in settings.
    public var jwtSecret: String?
    public var tokenLifetimeSeconds: Int64 = 86_400
    /// PBKDF2 iterations for new hashes; only tests go below the default.
    public var passwordIterations: Int = PasswordHasher.defaultIterations
    /// Peers whose `X-Forwarded-For` is believed (exact addresses).
    public var trustedProxies: Set<String> = []
    public var backoff = LoginBackoff.Parameters()
    /// Login attempts one client (address, or IPv6 /64) may have being checked at once.
    public var loginsInFlightPerClient = 2
    /// Login attempts being checked at once overall: a few rounds of the hashing pool, so
    /// the worst wait stays around a second.
    public var loginsInFlightTotal = 4 * PasswordHasher.threadCount
    public var rules: [AccessRule] = AccessRule.defaults

    public init(jwtSecret: String? = nil, trustedProxies: Set<String> = []) {
        self.jwtSecret = jwtSecret
        self.trustedProxies = trustedProxies
    }

    /// Parses `trusted_proxies`: comma or space separated addresses.
    public static func parseProxies(_ text: String?) -> Set<String> {
        Set((text ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.trimmed() }.filter { !$0.isEmpty })
    }
}
