import FoundationEssentials
import Hummingbird
import NIOCore
import Synchronization
import Logging
import ServiceLifecycle
import TestSupport

/// Request context that remembers which connection a request came on (connection reuse).
struct PeerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let connection: ObjectIdentifier

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = ObjectIdentifier(source.channel)
    }
}

/// State the server handlers and the test share (guarded by its Mutex).
final class ServerProbe: Sendable {
    struct State {
        var connections: Set<ObjectIdentifier> = []
        var gateOpen = false
        var aborted = false
        var bytesWritten = 0
        var port = 0
    }

    let state = Mutex(State())

    func update<T: Sendable>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held.
    func eventually(_ timeout: Duration = .seconds(60), _ condition: (State) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ condition($0) }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return state.withLock { condition($0) }
    }
}

/// Runs a Hummingbird server on 127.0.0.1 with an ephemeral port for the duration of `body`.
func withTestServer<T: Sendable>(
    _ routes: (Router<PeerContext>, ServerProbe) -> Void,
    _ body: @Sendable (_ port: Int, _ probe: ServerProbe) async throws -> T
) async throws -> T {
    let probe = ServerProbe()
    let router = Router(context: PeerContext.self)
    routes(router, probe)
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        }
    )
    let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test-http")))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let port = await iterator.next() ?? 0
    probe.update { $0.port = port }
    do {
        let result = try await body(port, probe)
        await stopGracefully(group, running)
        return result
    } catch {
        await stopGracefully(group, running)
        throw error
    }
}

extension ByteBuffer {
    static func repeating(_ byte: UInt8, count: Int) -> ByteBuffer {
        ByteBuffer(bytes: [UInt8](repeating: byte, count: count))
    }
}
