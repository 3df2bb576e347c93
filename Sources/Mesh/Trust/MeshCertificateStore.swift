import FoundationEssentials
public import Net
public import Storage

/// Certificates this node's CA issued (local `issued_certificates`) and revocations
/// (replicated `revocations`, stamped with hlc/origin so they spread through the mesh).
public struct MeshCertificateStore: Sendable {
    let database: Database
    let origin: ReplicaOrigin

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
    }

    public struct Entry: Sendable {
        public var serial: String
        public var name: String
        public var notAfter: Int64
        public var revokedAt: Int64?
    }

    public func record(_ certificate: Certificate, name: String) async throws {
        let info = certificate.info
        let notAfter = Int64(info.notAfter.timeIntervalSince1970)
        try await database.write { connection in
            _ = try connection.run(
                "INSERT OR REPLACE INTO issued_certificates (serial, name, subject, not_after, created_at) VALUES (?, ?, ?, ?, ?)",
                info.serialHex, name, info.subject, notAfter, Int64(Date().timeIntervalSince1970))
        }
    }

    /// Revokes by certificate name (every certificate issued under it) or by serial (hex,
    /// colons allowed). Returns the revoked serials; throws when nothing matches.
    public func revoke(_ serialOrName: String, reason: String = "") async throws -> [String] {
        let serialGuess = MeshCertificateStore.normalizedSerial(serialOrName)
        let origin = origin
        return try await database.transaction { connection in
            var targets = try connection.query("SELECT serial, name FROM issued_certificates WHERE name = ?", serialOrName)
                .compactMap { row in row.string("serial").map { ($0, row.string("name") ?? "") } }
            if targets.isEmpty, let serialGuess {
                let name = try connection.queryOne("SELECT name FROM issued_certificates WHERE serial = ?", serialGuess)?.string("name")
                // An unknown serial is accepted too: it may come from another node's CA records.
                targets = [(serialGuess, name ?? "")]
            }
            guard !targets.isEmpty else { throw MeshError(.configuration, "no certificate named or numbered \(serialOrName)") }
            let now = Int64(Date().timeIntervalSince1970)
            for (serial, name) in targets {
                _ = try connection.run("""
                    INSERT INTO revocations (serial, name, reason, revoked_at, hlc, origin, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)
                    ON CONFLICT(serial) DO UPDATE SET name = excluded.name, reason = excluded.reason,
                        revoked_at = excluded.revoked_at, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
                    """, serial, name, reason, now, origin.stamp(connection), origin.nodeID)
            }
            return targets.map(\.0)
        }
    }

    /// Every live revocation's serial: what the handshake hook refuses.
    public func revokedSerials() async throws -> Set<String> {
        try await database.read { connection in
            Set(try connection.query("SELECT serial FROM revocations WHERE deleted = 0").compactMap { $0.string("serial") })
        }
    }

    /// Issued certificates with their revocation state, then revocations of serials issued elsewhere.
    public func list() async throws -> [Entry] {
        try await database.read { connection in
            try connection.query("""
                SELECT i.serial, i.name, i.not_after, r.revoked_at FROM issued_certificates i
                  LEFT JOIN revocations r ON r.serial = i.serial AND r.deleted = 0
                UNION ALL
                SELECT r.serial, r.name, 0, r.revoked_at FROM revocations r
                  WHERE r.deleted = 0 AND r.serial NOT IN (SELECT serial FROM issued_certificates)
                ORDER BY 2, 1
                """).map { row in
                Entry(serial: row.string("serial") ?? "", name: row.string("name") ?? "",
                      notAfter: row.int("not_after") ?? 0, revokedAt: row.int("revoked_at"))
            }
        }
    }

    /// `0A:1b:...` or `0a1b...` → `0a1b...`; nil when it is not hex.
    public static func normalizedSerial(_ text: String) -> String? {
        let hex = text.lowercased().filter { $0 != ":" }
        guard !hex.isEmpty, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return hex
    }
}
