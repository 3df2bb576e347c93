import ServiceLifecycle
import Storage
import Logging

/// Keeps the database open for the life of the process and closes it (checkpointing the
/// WAL, writing the queued rows) only after every service registered after it, the HTTP
/// server included, has stopped. Meanwhile it polls `PRAGMA data_version` every
/// `pollInterval` so writes by another process (the CLI) refresh the in-memory snapshots.
struct DatabaseService: Service {
    let database: Database
    var pollInterval: Duration = .milliseconds(250)
    var logger: Logger = Logger(label: "triforce.storage")

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var watching = true
            while !Task.isCancelled {
                if watching {
                    do {
                        try await database.checkExternalChanges()
                    } catch let error as StorageError where error.code == .closed {
                        // Closed early (tests do): nothing left to watch. The service still runs
                        // until shutdown; returning would end the whole service group.
                        watching = false
                    } catch is CancellationError {
                        return   // shutting down
                    } catch {
                        logger.warning("checking for other processes' writes failed", metadata: ["error": "\(error)"])
                    }
                }
                do { try await Task.sleep(for: pollInterval) } catch { return }
            }
        }
        await database.close()
    }
}
