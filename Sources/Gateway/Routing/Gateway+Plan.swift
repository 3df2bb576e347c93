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
    /// Reads only in-memory snapshots, and the caller's tier once (`modelGate`).
    func plan(_ request: ChatRequest, principal: Principal) async throws -> RoutePlan {
        let requested = request.model.trimmed()
        if requested == OfflineResponder.modelID { return RoutePlan(candidates: [], task: nil, offlineOnly: true) }
        let registry = try await models.snapshot()
        let providers = try await currentProviders()
        let gate = await policy.modelGate(for: principal)
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
            let matches = resolve(requested, in: registry, providers: providers)
            guard !matches.isEmpty else {
                throw APIError.notFound("model \(requested) is not known here; GET /v1/models lists the models, or use \"auto\"", code: "model_not_found")
            }
            var allowed: [ModelRecord] = []
            for record in matches {
                if await gate.allows(descriptor(record, providers: providers)) { allowed.append(record) }
            }
            guard !allowed.isEmpty else {
                throw APIError.forbidden("your tier (\(principal.tier)) may not use \(requested)", code: "model_not_allowed")
            }
            explicit = await balanced(allowed, providers: providers)
            task = TaskClassifier.classify(request)
        }
        var candidates = explicit
        let route = try await routes.route(for: task)
        for entry in route.models {
            let group = resolve(entry, in: registry, providers: providers, listedOnly: true).filter { $0.isAvailable && $0.isChat }
            candidates += await usable(group, gate: gate, providers: providers)
        }
        if candidates.isEmpty {
            candidates = await usable(bestAvailable(registry.records, for: task, providers: providers), gate: gate, providers: providers)
        }
        return RoutePlan(candidates: dedupe(candidates), task: task)
    }

    /// Exact id first; else every provider's model with that upstream id (the same model at
    /// several hosts, balanced); else `provider/unknown-id` passes through to a configured
    /// provider. With `listedOnly` (route entries) the pass-through is refused when that
    /// provider's last discovery succeeded without listing the model: trying it would only
    /// cost a failed round trip. A provider whose discovery failed or never ran is still tried.
    func resolve(_ name: String, in registry: RegistrySnapshot, providers: ProviderSet, listedOnly: Bool = false) -> [ModelRecord] {
        if let exact = registry.record(id: name) { return [exact] }
        let byUpstream = registry.records(upstreamID: name)
        if !byUpstream.isEmpty { return byUpstream }
        // Searched as bytes: a route's fallback chain resolves several names per request, and
        // `String.firstIndex(of:)` walks grapheme clusters (~3,000 instructions a name).
        if let slash = name.utf8.firstIndex(of: UInt8(ascii: "/")) {
            let provider = String(name[..<slash])
            if providers[provider] != nil, !(listedOnly && registry.discoveredProviders.contains(provider)) {
                let upstream = String(name[name.utf8.index(after: slash)...])
                return [ModelRecord(id: name, provider: provider, upstreamID: upstream, capabilities: Capabilities.infer(upstream))]
            }
        }
        return []
    }

    func usable(_ records: [ModelRecord], gate: ModelGate, providers: ProviderSet) async -> [Candidate] {
        var allowed: [ModelRecord] = []
        for record in records {
            if await gate.allows(descriptor(record, providers: providers)) { allowed.append(record) }
        }
        return await balanced(allowed, providers: providers)
    }

    /// Orders one model's hosts: weighted, lower EWMA latency and fewer in flight first.
    func balanced(_ records: [ModelRecord], providers: ProviderSet) async -> [Candidate] {
        if records.count == 1, let record = records.first, let provider = providers[record.provider] {
            return [Candidate(record: record, provider: provider)]  // nothing to order: skip the health actor
        }
        var scored: [(Double, Candidate)] = []
        for record in records {
            guard let provider = providers[record.provider] else { continue }
            let score = health.score(record.id, weight: providers.weight(record.provider))
            scored.append((score, Candidate(record: record, provider: provider)))
        }
        return scored.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// When a route names nothing available: upstream chat models that suit the task, then
    /// larger context, then name order for stability.
    func bestAvailable(_ records: [ModelRecord], for task: TaskKind, providers: ProviderSet) -> [ModelRecord] {
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
        let providers = try await currentProviders()
        let gate = await policy.modelGate(for: principal)
        var result: [Candidate] = []
        for provider in providers.all where provider.isLocal {
            let pool = records.filter { $0.provider == provider.name && $0.isAvailable && $0.isChat && !tried.contains($0.id) }
            result += await usable(Array(pool.prefix(1)), gate: gate, providers: providers)
        }
        return result
    }

    func dedupe(_ candidates: [Candidate]) -> [Candidate] {
        var seen = Set<String>()
        return candidates.filter { seen.insert($0.record.id).inserted }
    }
}
