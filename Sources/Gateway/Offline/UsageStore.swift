import Net
public import Storage
public import FoundationEssentials

/// Token usage per subject, model and UTC day (`usage_daily`, this node's view), for tier
/// limits and reports. With an origin, each use also lands in the replicated
/// `usage_node_daily` under this node's id: every node writes only its own rows, so the
/// counters never conflict across the mesh and a report sums them over nodes.
public struct UsageStore: Sendable {
    public let database: Database
    public let origin: ReplicaOrigin?
    /// Uses not yet written, summed per day, subject and model (one queued row each).
    let pending = PendingRows<Key, Counts>()

    struct Key: Hashable, Sendable {
        let day: String, subject: String, model: String
    }

    struct Counts: Sendable {
        var requests: Int64, prompt: Int64, completion: Int64

        /// Saturating: a sum never wraps, whatever the upstream reported.
        mutating func add(_ other: Counts) {
            func sum(_ a: Int64, _ b: Int64) -> Int64 {
                let (total, overflow) = a.addingReportingOverflow(b)
                return overflow ? .max : total
            }
            requests = sum(requests, other.requests)
            prompt = sum(prompt, other.prompt)
            completion = sum(completion, other.completion)
        }
    }

    public init(database: Database, origin: ReplicaOrigin? = nil) {
        self.database = database
        self.origin = origin
    }

    /// Queued behind the response (`Database.enqueue`): uses of the same day, subject and
    /// model are summed until the next flush writes them as one row (or shutdown does);
    /// additive, so batches commit in any order.
    public func record(subject: String, model: String, usage: Usage?, at date: Date = Date()) async throws {
        let key = Key(day: Self.day(date), subject: subject, model: model)
        let counts = Counts(requests: 1, prompt: Int64(clamping: max(0, usage?.promptTokens ?? 0)),
                            completion: Int64(clamping: max(0, usage?.completionTokens ?? 0)))
        guard pending.add(key, counts, merge: { $0.add($1) }) else { return }
        let pending = self.pending, origin = self.origin
        await database.enqueue("usage_daily") { connection in
            guard let counts = pending.take(key) else { return }
            _ = try connection.run("""
                INSERT INTO usage_daily (day, subject, model, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(day, subject, model) DO UPDATE SET requests = requests + excluded.requests,
                    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = completion_tokens + excluded.completion_tokens
                """, key.day, key.subject, key.model, counts.requests, counts.prompt, counts.completion)
            guard let origin else { return }
            _ = try connection.run("""
                INSERT INTO usage_node_daily (node, day, subject, model, requests, prompt_tokens, completion_tokens, hlc, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(node, day, subject, model) DO UPDATE SET requests = requests + excluded.requests,
                    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = completion_tokens + excluded.completion_tokens, hlc = excluded.hlc
                """, origin.nodeID, key.day, key.subject, key.model, counts.requests, counts.prompt, counts.completion,
                    origin.stamp(connection), origin.nodeID)
        }
    }

    /// `YYYY-MM-DD` in UTC.
    public static func day(_ date: Date) -> String {
        let time = CivilTime(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)))
        return "\(time.year)-\(CivilTime.padded(time.month, 2))-\(CivilTime.padded(time.day, 2))"
    }
}
