public import Storage
import Net
import FoundationEssentials

/// Exact-match cache of recent successful text answers (`response_cache`), served only when
/// every upstream and local runtime failed, and then marked `cached` in the route header.
public struct ResponseCache: Sendable {
    public let database: Database
    public let ttlSeconds: Int64
    /// Answers not yet written, the latest per key (one queued row each).
    let pending = PendingRows<String, Entry>()

    struct Entry: Sendable {
        let model: String, text: String, now: Int64, expires: Int64
    }

    public init(database: Database, ttlSeconds: Int64 = 86_400) {
        self.database = database
        self.ttlSeconds = ttlSeconds
    }

    /// The key covers everything that shapes an answer except streaming.
    public static func key(for request: ChatRequest, requestedModel: String) -> String {
        // The request in its wire form with the model the caller asked for (not the one that
        // served): the bytes `OpenAIWire.encodeRequest` serialized with sorted keys gave, so
        // keys stored by earlier versions still match.
        let bytes = OpenAIRequestEncoder.encode(request, model: requestedModel, stream: false)
        return hex(fnv1a(bytes, basis: 0xcbf2_9ce4_8422_2325)) + hex(fnv1a(bytes, basis: 0x8422_2325_cbf2_9ce4))
    }

    static func fnv1a(_ bytes: [UInt8], basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Queued behind the response (`Database.enqueue`); last writer wins per key, already
    /// in memory: answers stored again before the next flush replace the waiting one, and
    /// the flush writes one row per key.
    public func store(key: String, model: String, text: String, now: Int64 = ModelStore.now()) async throws {
        let expires = now.addingReportingOverflow(ttlSeconds).overflow ? Int64.max : now + ttlSeconds
        let entry = Entry(model: model, text: text, now: now, expires: expires)
        guard pending.add(key, entry, merge: { $0 = $1 }) else { return }
        let pending = self.pending
        await database.enqueue("response_cache") { connection in
            guard let entry = pending.take(key) else { return }
            _ = try connection.run("DELETE FROM response_cache WHERE expires_at <= ?", entry.now)
            _ = try connection.run("""
                INSERT INTO response_cache (key, model, body, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET model = excluded.model, body = excluded.body,
                    created_at = excluded.created_at, expires_at = excluded.expires_at
                """, key, entry.model, entry.text, entry.now, entry.expires)
        }
    }

    /// The cached answer and the model that gave it, when fresh.
    public func lookup(key: String, now: Int64 = ModelStore.now()) async throws -> (model: String, text: String)? {
        await database.flushQueuedWrites()  // rare (every upstream failed): see this process's latest answers
        let row = try await database.read { connection in
            try connection.queryOne("SELECT model, body FROM response_cache WHERE key = ? AND expires_at > ?", key, now)
        }
        guard let row, let model = row.string("model"), let text = row.string("body") else { return nil }
        return (model, text)
    }
}
