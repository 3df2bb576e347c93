import Hummingbird
import HummingbirdCore
import Logging
import Net
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// The API server handles each connection on the event loop that owns its socket: after
/// awaits that resume from other threads (a thread pool, a timer, an unstructured task) the
/// handler is back on that loop, and so is an unstructured task started with the
/// connection's executor. Without `EventLoopAffineChannel` all of this would run on the
/// cooperative pool and every answer below would be "false".
@Suite("Event-loop affine connections")
struct EventLoopAffineChannelTests {
    @Test func handlersAndWhatTheyAwaitRunOnTheConnectionsLoop() async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let router = Router()
        router.get("/where") { _, _ -> String in
            guard let executor = EventLoopTaskExecutor.current else { return "no executor" }
            var answers = [executor.loop.inEventLoop]
            // Resumed from a thread pool's thread.
            _ = try await pool.runIfActive { 1 }
            answers.append(executor.loop.inEventLoop)
            // Resumed from a timer.
            try await Task.sleep(for: .milliseconds(1))
            answers.append(executor.loop.inEventLoop)
            // An unstructured task given the connection's executor.
            let inner = await Task(executorPreference: EventLoopTaskExecutor.current) { executor.loop.inEventLoop }.value
            answers.append(inner)
            return answers.map(String.init).joined(separator: ",") + "\n"
        }
        try await withServer(router) { port in
            // Several requests on one keep-alive connection, and a second connection.
            let url = "http://127.0.0.1:\(port)/where"
            let keepAlive = try await Subprocess.run(["curl", "-sS", "--max-time", "30", url, url, url])
            #expect(keepAlive.status == 0, "\(keepAlive.stderr)")
            #expect(keepAlive.stdout == String(repeating: "true,true,true,true\n", count: 3))
            let another = try await Subprocess.run(["curl", "-sS", "--max-time", "30", url])
            #expect(another.stdout == "true,true,true,true\n", "\(another.stderr)")
        }
    }

    @Test func outsideAConnectionThereIsNoExecutor() async {
        #expect(EventLoopTaskExecutor.current == nil)
    }

    /// Runs the API server's plain HTTP builder on 127.0.0.1:0 for the duration of `body`.
    private func withServer(_ router: Router<BasicRequestContext>, body: @Sendable (Int) async throws -> Void) async throws {
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "affine-test")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            server: .http1(configuration: .limited(idleTimeout: .seconds(30), requestDeadline: .seconds(30)),
                           limiter: ConnectionLimiter(maximum: 16)),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        var waited = 0
        while port.withLock({ $0 }) == nil, waited < 3000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        guard let bound = port.withLock({ $0 }) else {
            await stopGracefully(group, running)
            Issue.record("server did not start")
            return
        }
        do {
            try await body(bound)
        } catch {
            await stopGracefully(group, running)
            throw error
        }
        await stopGracefully(group, running)
    }
}
