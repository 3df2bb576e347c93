public import Core
public import Net
public import Storage
public import Logging
public import Telemetry

/// The gateway: providers, the model registry, routing with fallback, the offline chain.
/// Controllers call `complete` and `stream`; `DiscoveryService` calls `discover`.
public struct Gateway: Sendable {
    let providerSource: ProviderSource
    public let models: ModelStore
    public let routes: RouteStore
    /// Per-task system prompts for requests that bring none.
    public let prompts: SystemPromptStore
    public let health: UpstreamHealth
    public let cache: ResponseCache
    public let usage: UsageStore
    public let offline: OfflineResponder
    public let policy: any AccessPolicy
    /// Upstream outcomes, latency, tokens and open streams (`/metrics`).
    public let metrics: UpstreamMetrics
    /// Other nodes to ask when every local upstream failed (empty until the mesh is wired).
    public let peers = PeerForwarderSlot()

    public init(providers source: ProviderSource, database: Database, origin: ReplicaOrigin,
                health: UpstreamHealth = UpstreamHealth(), cacheTTLSeconds: Int64 = 86_400, policy: any AccessPolicy,
                metrics: UpstreamMetrics = UpstreamMetrics(registry: MetricsRegistry())) {
        self.providerSource = source
        self.metrics = metrics
        self.models = ModelStore(database: database)
        self.routes = RouteStore(database: database, origin: origin)
        self.prompts = SystemPromptStore(database: database)
        self.health = health
        self.cache = ResponseCache(database: database, ttlSeconds: cacheTTLSeconds)
        self.usage = UsageStore(database: database, origin: origin)
        self.offline = OfflineResponder(database: database)
        self.policy = policy
    }

    /// A fixed provider list (tests and built-in responders).
    public init(providers: [any LLMProvider], weights: [String: Double] = [:], database: Database, origin: ReplicaOrigin,
                health: UpstreamHealth = UpstreamHealth(), cacheTTLSeconds: Int64 = 86_400, policy: any AccessPolicy) {
        self.init(providers: .fixed(ProviderSet(providers, weights: weights)), database: database, origin: origin,
                  health: health, cacheTTLSeconds: cacheTTLSeconds, policy: policy)
    }

    /// Builds providers from configurations with one fetcher (a fixed list).
    public init(configurations: [ProviderConfiguration], fetcher: any HTTPFetching, database: Database, origin: ReplicaOrigin,
                health: UpstreamHealth = UpstreamHealth(), cacheTTLSeconds: Int64 = 86_400, policy: any AccessPolicy) {
        self.init(providers: .fixed(.make(configurations, fetcher: fetcher)), database: database, origin: origin,
                  health: health, cacheTTLSeconds: cacheTTLSeconds, policy: policy)
    }

    /// The providers as of now (the table's rows may have changed since the last request).
    public func currentProviders() async throws -> ProviderSet { try await providerSource.current() }

    // MARK: discovery

    /// Asks every provider for its models, in parallel.
    public func discover(logger: Logger) async {
        let providers: ProviderSet
        do {
            providers = try await currentProviders()
        } catch {
            logger.warning("reading the providers table failed", metadata: ["error": "\(error)"])
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for provider in providers.all {
                group.addTask { await discover(provider, logger: logger) }
            }
        }
    }

    func discover(_ provider: any LLMProvider, logger: Logger) async {
        do {
            let found = try await provider.models()
            try await models.replace(provider: provider.name, with: found)
            health.setMisconfigured(provider.name, reason: nil)
            logger.info("discovered models", metadata: ["provider": "\(provider.name)", "count": "\(found.count)"])
        } catch {
            let failure = ProviderError.wrap(error, provider: provider.name)
            try? await models.markUnavailable(provider: provider.name)
            if failure.code == .unauthorized { health.setMisconfigured(provider.name, reason: failure.message) }
            logger.warning("model discovery failed", metadata: ["provider": "\(provider.name)", "error": "\(failure)"])
        }
    }

    // MARK: listing

    /// Registry rows with live status (misconfigured, circuit_open), plus `triforce/offline`.
    public func listModels() async throws -> [ModelRecord] {
        let providers = try await currentProviders()
        var result: [ModelRecord] = []
        for var record in try await models.all() {
            if providers[record.provider] == nil { record.status = "unconfigured" }
            else if health.misconfiguration(record.provider) != nil { record.status = "misconfigured" }
            else if record.isAvailable, health.state(record.id) == .open { record.status = "circuit_open" }
            result.append(record)
        }
        result.append(ModelRecord(id: OfflineResponder.modelID, provider: "triforce", upstreamID: "offline", ownedBy: "triforce",
                                  capabilities: [Capabilities.chat], status: "available"))
        return result
    }

    /// Provider-level health for `/health`: unhealthy when a provider refused its key (401/403).
    public func providerReport() async -> (healthy: Bool, detail: String) {
        let misconfigured = health.misconfiguredProviders()
        let providers = (try? await currentProviders()) ?? ProviderSet([])
        let available = (try? await models.all().filter { $0.isAvailable && $0.isChat && providers[$0.provider] != nil }.count) ?? 0
        var parts = ["\(providers.count) provider(s), \(available) chat model(s) available"]
        if !misconfigured.isEmpty {
            parts.append("misconfigured: " + misconfigured.keys.sorted().joined(separator: ", ") + " (check the API key)")
        }
        if available == 0 { parts.append("answering offline") }
        // Only a refused key is a fault to fix; no models just means the offline chain answers.
        return (misconfigured.isEmpty, parts.joined(separator: "; "))
    }

    /// What members gossip about this node (`MeshHealthAnnouncer`): providers configured and
    /// usable (key not refused), chat models available through them, requests in flight.
    public func healthSummary() async -> (providers: Int, usable: Int, chatModels: Int, inFlight: Int) {
        let misconfigured = health.misconfiguredProviders()
        let providers = (try? await currentProviders()) ?? ProviderSet([])
        let usable = providers.all.filter { misconfigured[$0.name] == nil }
        let chatModels = (try? await models.all().filter {
            $0.isAvailable && $0.isChat && providers[$0.provider] != nil && misconfigured[$0.provider] == nil
        }.count) ?? 0
        return (providers.count, usable.count, chatModels, health.inFlightTotal())
    }

    public func descriptor(_ record: ModelRecord, providers: ProviderSet) -> ModelDescriptor {
        ModelDescriptor(id: record.id, provider: record.provider, capabilities: record.capabilities,
                        isLocal: providers[record.provider]?.isLocal ?? false)
    }
}
