public import Storage
import Net
import FoundationEssentials

/// Machine credentials: `tf_` + 32 random bytes (base64url). Only the SHA-256 of the whole
/// key is stored (a fast hash is right here: the key has 256 bits of entropy), plus a short
/// prefix so an admin can tell keys apart.
public struct APIKeyStore: Sendable {
    public struct Key: Sendable, Equatable, Codable {
        public let id: String
        public let userID: String
        public let email: String
        public let name: String
        public let prefix: String
        public let createdAt: Int64
        public let revoked: Bool
    }

    public static let keyPrefix = "tf_"
    public let database: Database
    public let origin: ReplicaOrigin
    /// Live keys' hashes → user id, rebuilt on every database change (revocations included).
    private let liveKeys: Snapshot<[String: String]>

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
        self.liveKeys = Snapshot(database: database) { database in
            let rows = try await database.read { try $0.query("SELECT key_hash, user_id FROM api_keys WHERE revoked = 0 AND deleted = 0") }
            var keys: [String: String] = [:]
            for row in rows {
                if let hash = row.string("key_hash"), let user = row.string("user_id") { keys[hash] = user }
            }
            return keys
        }
    }

    /// Creates a key for a live user; returns the record and the secret key (shown once).
    public func create(email rawEmail: String, name: String = "") async throws -> (key: Key, secret: String) {
        let email = try Email.normalize(rawEmail)
        let secret = Self.keyPrefix + Base64URL.encode(try SecureRandom.bytes(32))
        let id = "key_" + Hex.encode(try SecureRandom.bytes(6))
        let hash = SHA256.hexHash(Array(secret.utf8))
        let prefix = String(secret.prefix(10))
        let now = Int64(Date().timeIntervalSince1970)
        let origin = self.origin
        let key: Key = try await database.transaction { connection in
            guard let userID = try connection.queryOne("SELECT id FROM users WHERE email = ? AND deleted = 0", email)?.string("id") else {
                throw AuthError(.userNotFound, "no user with email \(email); `triforce user list` shows them")
            }
            try connection.run("""
                INSERT INTO api_keys(id, user_id, name, prefix, key_hash, created_at, revoked, hlc, origin, deleted)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 0)
                """, id, userID, name, prefix, hash, now, origin.stamp(connection), origin.nodeID)
            return Key(id: id, userID: userID, email: email, name: name, prefix: prefix, createdAt: now, revoked: false)
        }
        return (key, secret)
    }

    public func list(email: String? = nil) async throws -> [Key] {
        let normalized = try email.map { try Email.normalize($0) }
        return try await database.read { connection in
            try connection.query("""
                SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.created_at, k.revoked FROM api_keys k
                JOIN users u ON u.id = k.user_id AND u.deleted = 0
                WHERE k.deleted = 0 AND (? IS NULL OR u.email = ?) ORDER BY u.email, k.created_at
                """, normalized, normalized).map { row in
                Key(id: row.string("id") ?? "", userID: row.string("user_id") ?? "", email: row.string("email") ?? "",
                    name: row.string("name") ?? "", prefix: row.string("prefix") ?? "", createdAt: row.int("created_at") ?? 0,
                    revoked: row.bool("revoked") ?? true)
            }
        }
    }

    public func revoke(id: String) async throws {
        let origin = self.origin
        let changed = try await database.transaction { connection in
            try connection.run("UPDATE api_keys SET revoked = 1, hlc = ?, origin = ? WHERE id = ? AND deleted = 0",
                               origin.stamp(connection), origin.nodeID, id)
        }
        guard changed > 0 else { throw AuthError(.keyNotFound, "no API key with id \(id); `triforce key list` shows them") }
    }

    /// The user id owning a live, unrevoked key; nil otherwise. The lookup is by hash in the
    /// in-memory snapshot, on a digest the caller cannot steer: no timing oracle on the secret.
    public func userID(forKey secret: String) async throws -> String? {
        guard secret.hasPrefix(Self.keyPrefix), secret.utf8.count <= 128 else { return nil }
        let hash = SHA256.hexHash(Array(secret.utf8))
        return try await liveKeys.current()[hash]
    }
}
