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
        restrictNewFiles()
        do {
            return try await Node.open(flags: flags, logRing: ring, logger: logger)
        } catch {
            fail("\(error)")
        }
    }

    /// umask 077: everything this process creates (database, WAL/SHM, backups, keys) is
    /// owner-only from its first byte. Every subcommand that touches the data dir opens the
    /// node through here first.
    static func restrictNewFiles() {
        umask(0o077)
    }

    /// Raises the open-files soft limit to the hard limit (default soft limits of 1024 would
    /// cap connections below `max_connections`). Returns the soft limit now in force.
    static func raiseOpenFileLimit() -> UInt64? {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }

    static func fail(_ message: String) -> Never {
        let line = "triforce: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(1)
    }
}
