import Logging
import ServiceLifecycle

/// The service-manager side of the lifecycle: `READY=1` once the API serves (called from the
/// server's running callback), `STOPPING=1` as soon as graceful shutdown begins. Registered
/// last, so it is the first told to shut down: systemd learns of the drain before it starts.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func ready(url: String) {
        if notifier.send(["READY=1", "STATUS=serving on \(url)"]) {
            logger.info("told systemd READY=1")
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        notifier.send(["STOPPING=1", "STATUS=draining in-flight requests"])
    }
}
