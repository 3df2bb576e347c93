import FoundationEssentials
import Logging
import Auth

/// The effective configuration, each value with the layer it came from.
/// Precedence: flag > environment > .env > stored setting > default.
struct ApplianceConfiguration: Sendable {
    enum Source: String, Sendable, Codable {
        case flag, environment, dotenv = ".env", stored = "settings", `default`
    }

    struct Entry: Sendable {
        let value: String?
        let source: Source
    }

    private(set) var entries: [String: Entry] = [:]
    /// Process environment overlaid on `.env` (environment wins): for keys outside the table.
    let environment: [String: String]

    /// Resolves every known key. `stored` is empty until the database is open.
    init(flags: [ConfigKey: String], environment processEnvironment: [String: String],
         dotenv: [String: String], stored: [String: String] = [:]) {
        self.environment = dotenv.merging(processEnvironment) { $1 }
        for key in ConfigKey.all {
            let entry: Entry = if let v = flags[key] { Entry(value: v, source: .flag) }
                else if let v = processEnvironment[key.environment], !v.isEmpty { Entry(value: v, source: .environment) }
                else if let v = dotenv[key.environment], !v.isEmpty { Entry(value: v, source: .dotenv) }
                else if let v = stored[key.name] { Entry(value: v, source: .stored) }
                else { Entry(value: key.defaultValue, source: .default) }
            entries[key.name] = entry
        }
    }

    /// Reads the process environment and `./.env`.
    static func load(flags: [ConfigKey: String], stored: [String: String] = [:]) throws -> ApplianceConfiguration {
        let dotenv = try DotEnv.load(path: ".env")
        return ApplianceConfiguration(flags: flags, environment: ProcessInfo.processInfo.environment, dotenv: dotenv, stored: stored)
    }

    func string(_ key: ConfigKey) -> String? { entries[key.name]?.value }

    func source(_ key: ConfigKey) -> Source { entries[key.name]?.source ?? .default }

    func int(_ key: ConfigKey, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = string(key) ?? ""
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(key.name) (\(key.environment)) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)' from \(source(key).rawValue)")
        }
        return value
    }

    var host: String { string(.host) ?? "127.0.0.1" }
    var dataDirectory: String { string(.dataDir) ?? "./data" }
    var databasePath: String { dataDirectory + "/triforce.db" }
    func port() throws(ConfigurationError) -> Int { try int(.port, in: 0...65535) }
    func maxBodyBytes() throws(ConfigurationError) -> Int { try int(.maxBodyBytes, in: 1_024...(1 << 30)) }
    func idleTimeoutSeconds() throws(ConfigurationError) -> Int { try int(.idleTimeout, in: 1...3_600) }
    func shutdownGraceSeconds() throws(ConfigurationError) -> Int { try int(.shutdownGrace, in: 0...600) }
    func maxConnections() throws(ConfigurationError) -> Int { try int(.maxConnections, in: 1...1_000_000) }
    func requestTimeoutSeconds() throws(ConfigurationError) -> Int { try int(.requestTimeout, in: 1...3_600) }

    /// Shortest `JWT_SECRET` accepted: HS256 wants a key as long as its output.
    static let minimumJWTSecretLength = 32

    /// A `jwt_secret` that is set must be long enough. Checked at start so a bad value is
    /// one line and a non-zero exit, never a 500 at the first login. The value is not echoed.
    func validateJWTSecret() throws(ConfigurationError) {
        guard let secret = string(.jwtSecret), !secret.isEmpty else { return }
        guard secret.utf8.count >= Self.minimumJWTSecretLength else {
            throw ConfigurationError("jwt_secret (JWT_SECRET) must be at least \(Self.minimumJWTSecretLength) characters, got \(secret.utf8.count) from \(source(.jwtSecret).rawValue); generate one with `openssl rand -base64 48`")
        }
    }

    var authConfiguration: AuthConfiguration {
        AuthConfiguration(jwtSecret: string(.jwtSecret), trustedProxies: AuthConfiguration.parseProxies(string(.trustedProxies)))
    }

    func logLevel() throws(ConfigurationError) -> Logger.Level {
        let text = (string(.logLevel) ?? "info").lowercased()
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigurationError("log_level must be one of trace, debug, info, notice, warning, error, critical; got '\(text)'")
        }
        return level
    }

    /// Every key with its value (secrets redacted) and source, for `triforce config`.
    func redactedListing() -> [(key: ConfigKey, value: String, source: Source)] {
        ConfigKey.all.map { key in
            let value = string(key)
            let shown = value.map { key.isSecret ? Self.redact($0) : SecretRedaction.redactURLCredentials($0) } ?? "(unset)"
            return (key, shown, source(key))
        }
    }

    static func redact(_ secret: String) -> String {
        secret.isEmpty ? "" : "****" + (secret.count >= 16 ? String(secret.suffix(2)) : "")
    }
}

/// A setting that cannot be used, with the key and the fix in the message.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
