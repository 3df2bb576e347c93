@testable import Appliance
import Net
import Storage
import Gateway
import Admin
import Logging
import Hummingbird
import ServiceLifecycle
import FoundationEssentials
import TestSupport

/// A real node in a temp data dir, serving HTTP on an ephemeral 127.0.0.1 port, for
/// end-to-end tests. `environment` replaces the process environment (provider keys, ...).
struct TestNode {
    let node: Node
    let gateway: Gateway
    /// The first-run link the node issued at start (it had no admin); tests issue a fresh one.
    let setupLink: SetupLink
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func run<T: Sendable>(
        environment: [String: String] = [:],
        flags: [ConfigKey: String] = [:],
        dataDirectory: String? = nil,
        _ body: @Sendable (TestNode) async throws -> T
    ) async throws -> T {
        let directory = dataDirectory ?? TemporaryDirectory.make()
        var flags = flags
        flags[.dataDir] = directory
        flags[.port] = flags[.port] ?? "0"
        let ring = LogRing()
        let logger = Logger(label: "test") { label in RingLogHandler(label: label, ring: ring, level: .info, writesToStderr: false) }
        let node = try await Node.open(flags: flags, environment: environment, dotenv: [:], logRing: ring, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let appliance = try await ApplianceApp.make(node: node)
        let app = try appliance.makeServer { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: DatabaseService(database: node.database)),
            .init(service: appliance.discoveryService()),
            .init(service: app),
        ], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestNodeError("server did not start") }
        let result = try await body(TestNode(node: node, gateway: appliance.gateway, setupLink: appliance.setupLink, port: port))
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return result
    }
}

struct TestNodeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

