import Core
import Gateway
import Net
import Storage
import FoundationEssentials
import Telemetry

/// Builds the gateway from a node: providers from the resolved provider settings (flag, env,
/// .env, stored settings) and the `providers` table, outgoing HTTP through libcurl.
enum GatewayWiring {
    /// Provider settings as environment names (`OPENAI_API_KEY` → value), defaults included.
    static func providerEnvironment(_ configuration: ApplianceConfiguration) -> [String: String] {
        var env: [String: String] = [:]
        for key in ConfigKey.providerKeys {
            if let value = configuration.string(key), !value.isEmpty { env[key.environment] = value }
        }
        return env
    }

    static func makeGateway(node: Node, fetcher: any HTTPFetching, policy: any AccessPolicy,
                            metrics: UpstreamMetrics = UpstreamMetrics(registry: MetricsRegistry())) async throws -> Gateway {
        let configuration = node.configuration
        // Environment providers are fixed for the process; the table's rows are re-read on change.
        let providers = ProviderSource.environmentAndTable(ProviderCatalog.fromEnvironment(providerEnvironment(configuration)),
                                                           fetcher: fetcher, database: node.database)
        let ttl = Int64(configuration.environment["TRIFORCE_CACHE_TTL"] ?? "") ?? 86_400
        return Gateway(providers: providers, database: node.database,
                       origin: ReplicaOrigin(nodeID: node.identity.nodeID, clock: node.clock),
                       cacheTTLSeconds: max(0, ttl), policy: policy, metrics: metrics)
    }

    /// How often discovery runs (`TRIFORCE_DISCOVERY_INTERVAL` seconds, default an hour; 5 s to 30 days).
    static func discoveryInterval(_ configuration: ApplianceConfiguration) -> Duration {
        .seconds(min(max(5, Int(configuration.environment["TRIFORCE_DISCOVERY_INTERVAL"] ?? "") ?? 3600), 30 * 86_400))
    }
}
