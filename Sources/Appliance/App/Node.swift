import Core
import Storage
import Net
import Auth
import Logging
import FoundationEssentials

/// What a running node holds, opened once at start in dependency order (storage first).
/// Shared read-only by controllers and services.
struct Node: Sendable {
    let configuration: ApplianceConfiguration
    let database: Database
    let identity: NodeIdentity
    let clock: HybridClock
    let logRing: LogRing
    /// Users, tiers, tokens, keys and rate limits; its `policy` is the AccessPolicy.
    let auth: AuthServices
    let startedAt: ContinuousClock.Instant
    let logger: Logger

    /// Creates the data dir, opens the database (running migrations), then loads the
    /// stored-settings layer of the configuration and the node identity.
    static func open(flags: [ConfigKey: String], logRing: LogRing, logger: Logger) async throws -> Node {
        try await open(flags: flags, environment: ProcessInfo.processInfo.environment,
                       dotenv: try DotEnv.load(path: ".env"), logRing: logRing, logger: logger)
    }

    /// The same with explicit environment layers (tests pass their own).
    static func open(flags: [ConfigKey: String], environment: [String: String], dotenv: [String: String],
                     logRing: LogRing, logger: Logger) async throws -> Node {
        let bootstrap = ApplianceConfiguration(flags: flags, environment: environment, dotenv: dotenv)
        let database = try await openDatabase(in: bootstrap.dataDirectory, logger: logger)
        do {
            let stored = try await SettingsStore(database: database).all()
            let configuration = ApplianceConfiguration(flags: flags, environment: environment, dotenv: dotenv, stored: stored)
            try configuration.validateJWTSecret()
            let identity = try await NodeIdentity.loadOrCreate(in: database)
            let clock = try configuration.hybridClock()
            // Never stamp below what this file already holds (a wall clock that jumped back,
            // rows applied from a peer slightly ahead): every process on the file does this.
            if let newest = try await database.read({ try $0.scalar("SELECT max(hlc) FROM sync_vector")?.int64 }) {
                clock.advance(past: HLC(storageValue: newest))
            }
            let auth = try await AuthServices.open(database: database, origin: ReplicaOrigin(nodeID: identity.nodeID, clock: clock),
                                                   configuration: configuration.authConfiguration)
            return Node(configuration: configuration, database: database, identity: identity, clock: clock,
                        logRing: logRing, auth: auth, startedAt: .now, logger: logger)
        } catch {
            await database.close()
            throw error
        }
    }

    static func openDatabase(in directory: String, logger: Logger) async throws -> Database {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError("cannot create data dir \(directory): \(error); set --data-dir or TRIFORCE_DATA_DIR to a writable directory")
        }
        do {
            try Database.restrictDirectory(directory)
        } catch {
            throw ConfigurationError("data dir \(directory) must be owner-only: \(error)")
        }
        let path = directory + "/triforce.db"
        do {
            return try await Database(path: path, logger: logger)
        } catch {
            throw ConfigurationError("cannot open database \(path): \(error)")
        }
    }

    var origin: ReplicaOrigin { ReplicaOrigin(nodeID: identity.nodeID, clock: clock) }

    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
