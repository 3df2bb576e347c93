import Core
import Net

/// One upstream to try: a registry row and the provider that serves it.
struct Candidate: Sendable {
    let record: ModelRecord
    let provider: any LLMProvider
}

/// What the router decided before trying anything.
struct RoutePlan: Sendable {
    var candidates: [Candidate]
    var task: TaskKind?
    var offlineOnly = false
}

extension Gateway {
    /// Resolves the requested model into an ordered candidate list. `auto` (or empty) and
    /// `task:NAME` take a task route; an explicit model goes first, the task route after it.
    func plan(_ request: ChatRequest, principal: Principal) async throws -> RoutePlan {
        let requested = request.model.trimmed()
        let records = try await models.all()
        if requested == OfflineResponder.modelID { return RoutePlan(candidates: [], task: nil, offlineOnly: true) }
        var explicit: [Candidate] = []
        let task: TaskKind
        if requested.isEmpty || requested == "auto" {
            task = TaskClassifier.classify(request)
        } else if requested.hasPrefix("task:") {
            guard let named = TaskKind(rawValue: String(requested.dropFirst(5))) else {
                throw APIError.badRequest("unknown task in \(requested); use one of: " + TaskKind.allCases.map { "task:\($0.rawValue)" }.joined(separator: ", "),
                                          code: "model_not_found")
            }
            task = named
        } else {
            let matches = resolve(requested, in: records)
            guard !matches.isEmpty else {
                throw APIError.notFound("model \(requested) is not known here; GET /v1/models lists the models, or use \"auto\"", code: "model_not_found")
            }
            var allowed: [ModelRecord] = []
            for record in matches {
                if await policy.mayUse(descriptor(record), principal: principal) { allowed.append(record) }
            }
            guard !allowed.isEmpty else {
                throw APIError.forbidden("your tier (\(principal.tier)) may not use \(requested)", code: "model_not_allowed")
            }
            explicit = await balanced(allowed)
            task = TaskClassifier.classify(request)
        }
        var candidates = explicit
        let route = try await routes.route(for: task)
        for entry in route.models {
            let group = resolve(entry, in: records).filter { $0.isAvailable && $0.isChat }
            candidates += await usable(group, principal: principal)
        }
        if candidates.isEmpty {
            candidates = await usable(bestAvailable(records, for: task), principal: principal)
        }
        return RoutePlan(candidates: dedupe(candidates), task: task)
    }

    /// Exact id first; else every provider's model with that upstream id (the same model at
    /// several hosts, balanced); else `provider/unknown-id` passes through to a configured provider.
    func resolve(_ name: String, in records: [ModelRecord]) -> [ModelRecord] {
        if let exact = records.first(where: { $0.id == name }) { return [exact] }
        let byUpstream = records.filter { $0.upstreamID == name }
        if !byUpstream.isEmpty { return byUpstream }
        if let slash = name.firstIndex(of: "/") {
            let provider = String(name[..<slash])
            if providers[provider] != nil {
                let upstream = String(name[name.index(after: slash)...])
                return [ModelRecord(id: name, provider: provider, upstreamID: upstream, capabilities: Capabilities.infer(upstream))]
            }
        }
        return []
    }

    func usable(_ records: [ModelRecord], principal: Principal) async -> [Candidate] {
        var allowed: [ModelRecord] = []
        for record in records {
            if await policy.mayUse(descriptor(record), principal: principal) { allowed.append(record) }
        }
        return await balanced(allowed)
    }

    /// Orders one model's hosts: weighted, lower EWMA latency and fewer in flight first.
    func balanced(_ records: [ModelRecord]) async -> [Candidate] {
        var scored: [(Double, Candidate)] = []
        for record in records {
            guard let provider = providers[record.provider] else { continue }
            let score = await health.score(record.id, weight: weights[record.provider] ?? 1)
            scored.append((score, Candidate(record: record, provider: provider)))
        }
        return scored.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// When a route names nothing available: upstream chat models that suit the task, then
    /// larger context, then name order for stability.
    func bestAvailable(_ records: [ModelRecord], for task: TaskKind) -> [ModelRecord] {
        let wanted = task == .code ? Capabilities.code : (task == .math ? Capabilities.reasoning : Capabilities.chat)
        let pool = records.filter { $0.isAvailable && $0.isChat && providers[$0.provider] != nil }
        return pool.sorted { lhs, rhs in
            let leftLocal = providers[lhs.provider]?.isLocal ?? false, rightLocal = providers[rhs.provider]?.isLocal ?? false
            if leftLocal != rightLocal { return !leftLocal }
            let leftFit = lhs.capabilities.contains(wanted), rightFit = rhs.capabilities.contains(wanted)
            if leftFit != rightFit { return leftFit }
            if (lhs.contextWindow ?? 0) != (rhs.contextWindow ?? 0) { return (lhs.contextWindow ?? 0) > (rhs.contextWindow ?? 0) }
            return lhs.id < rhs.id
        }.prefix(3).map { $0 }
    }

    /// Local runtimes not yet tried: one chat model per local provider.
    func localTier(excluding tried: Set<String>, principal: Principal) async throws -> [Candidate] {
        let records = try await models.all()
        var result: [Candidate] = []
        for provider in providers.values where provider.isLocal {
            let pool = records.filter { $0.provider == provider.name && $0.isAvailable && $0.isChat && !tried.contains($0.id) }
            result += await usable(Array(pool.prefix(1)), principal: principal)
        }
        return result
    }

    func dedupe(_ candidates: [Candidate]) -> [Candidate] {
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.record.id).inserted }
    }
}
