import ServiceLifecycle
import Storage

/// Keeps the database open for the life of the process and closes it (checkpointing the
/// WAL) only after every service registered after it, the HTTP server included, has stopped.
struct DatabaseService: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        await database.close()
    }
}
