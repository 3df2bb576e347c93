public import Storage
import FoundationEssentials

/// Revoked token ids (`token_revocations`, replicated), kept until the token would have
/// expired anyway; expired rows are tombstoned by `prune`.
public struct RevocationStore: Sendable {
    public let database: Database
    public let origin: ReplicaOrigin
    /// Revoked token ids, rebuilt on every database change (a logout swaps it at once).
    private let revoked: Snapshot<Set<String>>

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
        self.revoked = Snapshot(database: database) { database in
            let rows = try await database.read { try $0.query("SELECT jti FROM token_revocations WHERE deleted = 0") }
            return Set(rows.compactMap { $0.string("jti") })
        }
    }

    public func revoke(jti: String, expiresAt: Int64) async throws {
        let origin = self.origin
        try await database.transaction { connection in
            try connection.run("""
                INSERT INTO token_revocations(jti, expires_at, hlc, origin, deleted) VALUES (?, ?, ?, ?, 0)
                ON CONFLICT(jti) DO UPDATE SET expires_at = excluded.expires_at, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
                """, jti, expiresAt, origin.stamp(connection), origin.nodeID)
        }
    }

    public func isRevoked(jti: String) async throws -> Bool { try await revoked.current().contains(jti) }

    /// Tombstones revocations whose tokens have expired.
    public func prune(now: Int64) async throws {
        let origin = self.origin
        try await database.transaction { connection in
            try connection.run("UPDATE token_revocations SET deleted = 1, hlc = ?, origin = ? WHERE expires_at < ? AND deleted = 0",
                               origin.stamp(connection), origin.nodeID, now)
        }
    }
}
