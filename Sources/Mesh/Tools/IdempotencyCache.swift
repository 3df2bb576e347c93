import Net

/// Forwarded calls by idempotency key: a key seen again (a duplicated or replayed request)
/// gets the first run's answer, waiting for it if it is still running, so a call never runs
/// twice. Bounded: at most `capacity` keys, finished ones dropped oldest first and after `ttl`.
actor IdempotencyCache {
    enum Entry {
        case running(Task<Result<JSONValue, JSONRPCError>, Never>)
        case done(Result<JSONValue, JSONRPCError>, at: ContinuousClock.Instant)
    }

    let capacity: Int
    let ttl: Duration
    var entries: [String: Entry] = [:]
    var order: [String] = []

    init(capacity: Int = 4096, ttl: Duration = .seconds(600)) {
        self.capacity = capacity
        self.ttl = ttl
    }

    func run(_ key: String, _ work: @escaping @Sendable () async -> Result<JSONValue, JSONRPCError>) async -> Result<JSONValue, JSONRPCError> {
        switch entries[key] {
        case .running(let task)?: return await task.value
        case .done(let result, _)?: return result
        case nil: break
        }
        evict()
        guard entries.count < capacity else {
            return .failure(JSONRPCError(code: ClientSessions.limitCode, message: "too many forwarded calls in flight on this node; retry later"))
        }
        let task = Task { await work() }
        entries[key] = .running(task)
        order.append(key)
        let result = await task.value
        entries[key] = .done(result, at: .now)
        return result
    }

    /// Drops expired answers, and the oldest finished ones while over capacity.
    func evict() {
        let now = ContinuousClock.now
        var kept: [String] = []
        for key in order {
            guard case .done(_, let at)? = entries[key] else {
                if entries[key] != nil { kept.append(key) }
                continue
            }
            if now - at > ttl || entries.count >= capacity {
                entries[key] = nil
            } else {
                kept.append(key)
            }
        }
        order = kept
    }
}
