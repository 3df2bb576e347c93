import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a Hummingbird router on an ephemeral port of `host` for the duration of `body`
/// (a real socket; clients are curl and libcurl), then shuts it down gracefully.
enum LiveServer {
    static func run<Context: RequestContext, T: Sendable>(_ router: Router<Context>, host: String = "127.0.0.1",
                                                          _ body: @Sendable (Int) async throws -> T) async throws -> T
    where Context.Source == ApplicationRequestContextSource {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "live-server")
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            running.cancel()
            throw TestFailure("server on \(host) did not start")
        }
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }
}
