@testable import Appliance
import Logging
import ServiceLifecycle
import Testing
import TestSupport

/// A restart asked for by the rollout drains the service group like SIGTERM, but systemd
/// hears RELOADING=1 (the pid stays across the exec) rather than STOPPING=1.
@Suite("process restart")
struct ProcessRestartTests {
    /// Runs until graceful shutdown; says when it has started.
    struct Started: Service {
        let started: AsyncStream<Void>.Continuation
        func run() async throws {
            started.yield()
            try? await gracefulShutdown()
        }
    }

    @Test func aRequestedRestartDrainsTheGroupAndTellsSystemdReloading() async throws {
        let name = TemporaryDirectory.make() + "/notify"
        let socket = try NotifySocket(name: name)
        let restart = ProcessRestart()
        let systemd = SystemdNotifyService(notifier: SystemdNotifier(socketName: name), restart: restart,
                                           logger: Logger(label: "test"))
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: Started(started: startedContinuation)), .init(service: systemd)], logger: Logger(label: "test")))
        restart.attach(group)
        #expect(restart.pending == nil)
        let running = Task { try await group.run() }
        for await _ in started { break }
        await restart.request(binary: "/opt/triforce/releases/2.0/triforce")
        try await running.value
        #expect(restart.pending == "/opt/triforce/releases/2.0/triforce")
        try await socket.wait(for: "RELOADING=1") { $0.contains { $0.text.contains("RELOADING=1") } }
        let message = try #require(socket.messages.first { $0.text.contains("RELOADING=1") })
        #expect(message.text.contains("restarting into /opt/triforce/releases/2.0/triforce"))
        #expect(!socket.messages.contains { $0.text.contains("STOPPING=1") })
    }
}
