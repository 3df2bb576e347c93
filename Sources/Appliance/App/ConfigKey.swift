import Core
/// One configuration setting: where it can come from and whether it is a secret.
/// Precedence when resolving: flag > environment > .env file > stored setting > default.
struct ConfigKey: Sendable, Hashable {
    /// Name in `triforce config` output and in the settings table.
    let name: String
    /// Environment variable (also read from `.env`).
    let environment: String
    let defaultValue: String?
    let isSecret: Bool
    let summary: String

    init(_ name: String, env: String, default defaultValue: String? = nil, secret: Bool = false, _ summary: String) {
        self.name = name
        self.environment = env
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.summary = summary
    }

    static func == (a: ConfigKey, b: ConfigKey) -> Bool { a.name == b.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension ConfigKey {
    static let host = ConfigKey("host", env: "TRIFORCE_HOST", default: "127.0.0.1", "address the HTTP API listens on")
    static let port = ConfigKey("port", env: "TRIFORCE_PORT", default: "9000", "HTTP API port (0 picks a free one)")
    static let dataDir = ConfigKey("data_dir", env: "TRIFORCE_DATA_DIR", default: "./data", "directory holding triforce.db and node files")
    static let logLevel = ConfigKey("log_level", env: "TRIFORCE_LOG_LEVEL", default: "info", "trace, debug, info, notice, warning, error, critical")
    static let maxBodyBytes = ConfigKey("max_body_bytes", env: "TRIFORCE_MAX_BODY_BYTES", default: "4194304", "largest accepted request body")
    static let idleTimeout = ConfigKey("idle_timeout_seconds", env: "TRIFORCE_IDLE_TIMEOUT", default: "30", "close connections idle (or sending headers) this long")
    static let maxConnections = ConfigKey("max_connections", env: "TRIFORCE_MAX_CONNECTIONS", default: "1024",
                                          "HTTP connections open at once; more are closed unanswered")
    static let requestTimeout = ConfigKey("request_timeout_seconds", env: "TRIFORCE_REQUEST_TIMEOUT", default: "60",
                                          "a request's body must arrive within this after its headers")
    static let shutdownGrace = ConfigKey("shutdown_grace_seconds", env: "TRIFORCE_SHUTDOWN_GRACE", default: "10", "how long SIGTERM waits for in-flight requests")

    static let trustedProxies = ConfigKey("trusted_proxies", env: "TRIFORCE_TRUSTED_PROXIES", default: "",
                                          "proxy addresses whose X-Forwarded-For is trusted (comma separated)")
    static let jwtSecret = ConfigKey("jwt_secret", env: "JWT_SECRET", secret: true,
                                     "login token signing key (>= 32 chars); unset: generated once and stored")

    /// Every key `triforce config` shows. Feature areas append theirs here.
    static let all: [ConfigKey] = [host, port, dataDir, logLevel, maxBodyBytes, idleTimeout, maxConnections, requestTimeout, shutdownGrace,
                                   trustedProxies, jwtSecret] + tlsKeys
        + providerKeys + mcpKeys + guardianKeys + meshKeys + syncKeys
}
