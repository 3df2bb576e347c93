public import FoundationEssentials
public import Net
public import Storage

/// Join tokens for the mesh join flow. A token carries a random secret and the CA's SPKI pin;
/// only the secret's sha256 is stored (local `join_tokens`), so the database never holds a
/// usable token. Format: `tfjoin1.<base64url(JSON {n, a, p, s, e})>`.
public struct JoinTokenStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public static let prefix = "tfjoin1."

    public struct Token: Sendable {
        public var id: String
        public var expiresAt: Int64
        public var usesLeft: Int64
        public var createdAt: Int64
    }

    /// Creates a token valid for `ttlSeconds` and `uses` joins; returns its id and the token text (shown once).
    public func create(nodeID: String, meshAddress: String, caPin: String, ttlSeconds: Int64, uses: Int64,
                now: Int64 = Int64(Date().timeIntervalSince1970)) async throws -> (id: String, token: String) {
        let id = "jt_" + Hex.encode(try SecureRandom.bytes(6))
        let secret = Base64URL.encode(try SecureRandom.bytes(32))
        let expires = now + ttlSeconds
        let payload: JSONValue = [
            "n": .string(nodeID), "a": .string(meshAddress), "p": .string(caPin), "s": .string(secret), "e": .int(expires),
        ]
        let hash = SHA256.hexHash(Array(secret.utf8))
        try await database.write { connection in
            _ = try connection.run("INSERT INTO join_tokens (id, secret_hash, expires_at, uses_left, created_at) VALUES (?, ?, ?, ?, ?)",
                                   id, hash, expires, uses, now)
        }
        return (id, JoinTokenStore.prefix + Base64URL.encode(Array(payload.jsonText.utf8)))
    }

    public func list() async throws -> [Token] {
        try await database.read { connection in
            try connection.query("SELECT id, expires_at, uses_left, created_at FROM join_tokens ORDER BY created_at").map { row in
                Token(id: row.string("id") ?? "", expiresAt: row.int("expires_at") ?? 0,
                      usesLeft: row.int("uses_left") ?? 0, createdAt: row.int("created_at") ?? 0)
            }
        }
    }

    /// The payload of a token text, nil when it is not a well-formed `tfjoin1.` token.
    public static func decode(_ token: String) -> JSONValue? {
        JoinTokenText.decode(token).map(JSONValue.object)
    }
}
