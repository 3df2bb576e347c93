import Hummingbird
import HummingbirdCore
import Logging
import Net
import NIOCore
import Synchronization
import ServiceLifecycle
import TestSupport

/// A request context that keeps the child channel, so routes can ask for the TLS peer
/// certificate: the pattern a Hummingbird app uses with `Channel.tlsPeerCertificate()`.
struct PeerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Runs a Hummingbird HTTPS server (MbedTLSChannel) on 127.0.0.1:0 for the duration of `body`.
func withTLSServer(_ configuration: TLSConfiguration,
                   body: @Sendable (Int) async throws -> Void) async throws {
    try await withTLSServer(contexts: TLSContextSource(fixed: MbedTLSContext(configuration: configuration)), body: body)
}

/// The same, taking each connection's TLS context from `contexts`.
func withTLSServer(contexts: TLSContextSource,
                   body: @Sendable (Int) async throws -> Void) async throws {
    let router = Router(context: PeerRequestContext.self)
    router.get("/") { _, _ in "hello over mbedTLS\n" }
    router.get("/peer") { _, context -> String in
        let peer = try await context.channel.tlsPeerCertificate()
        return "node=\(peer?.nodeID ?? "none") serial=\(peer?.serialHex ?? "none")\n"
    }
    router.post("/echo") { request, _ -> Response in
        let body = try await request.body.collect(upTo: 16 << 20)
        return Response(status: .ok, body: .init(byteBuffer: body))
    }
    let port = Mutex<Int?>(nil)
    var logger = Logger(label: "tls-test")
    logger.logLevel = .critical
    let app = Application(
        router: router,
        server: .mbedTLS(contexts: contexts) { responder in HTTP1Channel(responder: responder) },
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
        logger: logger
    )
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    let running = Task { try await group.run() }
    var waited = 0
    while port.withLock({ $0 }) == nil, waited < 1000 {
        try await Task.sleep(for: .milliseconds(10))
        waited += 1
    }
    guard let bound = port.withLock({ $0 }) else {
        await stopGracefully(group, running)
        throw TLSTestError(message: "server did not start")
    }
    do {
        try await body(bound)
    } catch {
        await stopGracefully(group, running)
        throw error
    }
    await stopGracefully(group, running)
}
