public import Net
public import Storage

/// The providers this node routes to at one moment, by name, with their balancing weights.
/// Immutable: when the `providers` table changes a new set is built (`ProviderSource`).
public struct ProviderSet: Sendable {
    let byName: [String: any LLMProvider]
    let weights: [String: Double]

    public init(_ providers: [any LLMProvider], weights: [String: Double] = [:]) {
        var byName: [String: any LLMProvider] = [:]
        for provider in providers { byName[provider.name] = provider }
        self.byName = byName
        self.weights = weights
    }

    public subscript(name: String) -> (any LLMProvider)? { byName[name] }
    public var all: [any LLMProvider] { byName.keys.sorted().compactMap { byName[$0] } }
    public var count: Int { byName.count }
    public func weight(_ name: String) -> Double { weights[name] ?? 1 }
}

/// Where the gateway's providers come from: a fixed list (tests, built-in responders), or
/// the environment's providers merged with the `providers` table, rebuilt from an in-memory
/// snapshot whenever the database changes, so `triforce provider add` reaches a running
/// server within the poll interval and the admin API's writes at once.
public struct ProviderSource: Sendable {
    private let fixed: ProviderSet?
    private let live: Snapshot<ProviderSet>?

    public static func fixed(_ set: ProviderSet) -> ProviderSource { ProviderSource(fixed: set, live: nil) }

    public static func environmentAndTable(_ environment: [ProviderConfiguration], fetcher: any HTTPFetching,
                                           database: Database) -> ProviderSource {
        let live = Snapshot(database: database) { database in
            let configurations = ProviderCatalog.merge(environment: environment, table: try await ProviderCatalog.fromTable(database))
            return ProviderSet.make(configurations, fetcher: fetcher)
        }
        return ProviderSource(fixed: nil, live: live)
    }

    public func current() async throws -> ProviderSet {
        if let fixed { return fixed }
        guard let live else { return ProviderSet([]) }
        return try await live.current()
    }
}

extension ProviderSet {
    public static func make(_ configurations: [ProviderConfiguration], fetcher: any HTTPFetching) -> ProviderSet {
        var weights: [String: Double] = [:]
        for configuration in configurations { weights[configuration.name] = configuration.weight }
        return ProviderSet(configurations.map { ProviderCatalog.makeProvider($0, fetcher: fetcher) }, weights: weights)
    }
}
