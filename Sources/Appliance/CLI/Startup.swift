import Logging
import Net
import Glibc
import FoundationEssentials

/// Process-wide start-up shared by the subcommands: logging into stderr and the ring,
/// opening the node, and turning failures into one clear line and a non-zero exit.
enum Startup {
    /// Installs the logging backend once. The level comes from flag/env/.env only, since
    /// it must be known before the database opens.
    static func bootstrapLogging(flags: [ConfigKey: String], ring: LogRing) -> Logger {
        let level = (try? ApplianceConfiguration.load(flags: flags).logLevel()) ?? .info
        LoggingSystem.bootstrap { label in RingLogHandler(label: label, ring: ring, level: level) }
        return Logger(label: "triforce")
    }

    /// Opens the node or exits with one line on stderr.
    static func openNode(flags: [ConfigKey: String], ring: LogRing, logger: Logger) async -> Node {
        do {
            return try await Node.open(flags: flags, logRing: ring, logger: logger)
        } catch {
            fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        let line = "triforce: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(1)
    }
}
