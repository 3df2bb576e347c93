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
