public import Storage
import Net
import FoundationEssentials

/// The JWT signing key: `JWT_SECRET` when set, otherwise 32 random bytes generated once and
/// kept in `settings` (key `auth.jwt_secret`) so tokens survive restarts. Node-local on
/// purpose: a token is valid on the node that issued it (and nodes sharing JWT_SECRET).
public enum SigningSecret {
    static let settingKey = "auth.jwt_secret"

    public static func load(environmentValue: String?, database: Database) async throws -> [UInt8] {
        if let value = environmentValue, !value.isEmpty {
            guard value.utf8.count >= 32 else {
                throw AuthError(.invalidHash, "JWT_SECRET must be at least 32 characters; generate one with `openssl rand -base64 48`")
            }
            return Array(value.utf8)
        }
        let fresh = Base64URL.encode(try SecureRandom.bytes(32))
        let stored: String? = try await database.transaction { connection in
            // INSERT OR IGNORE then read back: two processes racing agree on one secret.
            try connection.run("INSERT OR IGNORE INTO settings(key, value, updated_at) VALUES (?, ?, ?)",
                               settingKey, fresh, Int64(Date().timeIntervalSince1970))
            return try connection.queryOne("SELECT value FROM settings WHERE key = ?", settingKey)?.string("value")
        }
        guard let stored, let bytes = Base64URL.decode(stored), bytes.count >= 32 else {
            throw AuthError(.invalidHash, "stored setting \(settingKey) is corrupt; remove it with `triforce config unset \(settingKey)` (signs everyone out)")
        }
        return bytes
    }
}
