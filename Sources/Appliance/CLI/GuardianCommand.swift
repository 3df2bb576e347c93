import Mesh
import ArgumentParser
import FoundationEssentials
import Glibc
import Net
import Storage

/// `triforce guardian --once | --interval 30`: checks this node (over its HTTP API, as a
/// client would) and every watched peer (configured, and the mesh members the running node
/// sees): health, version, mesh-certificate expiry.
struct GuardianCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guardian", abstract: "Check this node and its peers; print a report.")

    @OptionGroup var data: DataOptions

    @Flag(help: "One round; exit 1 when any node fails.")
    var once = false

    @Option(help: "Seconds between rounds when not --once.")
    var interval: Int = 30

    @Option(help: "This node's API base URL (default from host/port in the configuration).")
    var url: String?

    @Option(name: .customLong("peer"), help: "A peer's API base URL to check too (repeatable; adds to guardian_peers).")
    var peers: [String] = []

    @Option(help: "The running node's mesh port, asked for the members (default: the mesh_port setting).")
    var meshPort: Int?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard (1...86_400).contains(interval) else { throw ValidationError("--interval must be 1...86400 seconds") }
        if let meshPort, !(1...65535).contains(meshPort) { throw ValidationError("--mesh-port must be 1...65535") }
    }

    func run() async throws {
        _ = Startup.bootstrapLogging(flags: data.flags, ring: LogRing())
        let configuration: ApplianceConfiguration
        do {
            configuration = try await Self.loadConfiguration(flags: data.flags)
        } catch {
            Startup.fail("\(error)")
        }
        let fetcher: CurlHTTPClient
        do { fetcher = try CurlHTTPClient() } catch { Startup.fail("\(error)") }
        let configured = ConfiguredMembers(setting: configuration.string(.guardianPeers), extra: peers)
        let meshPort = meshPort
        // With mesh certificates, the running node's membership each round; a node that does
        // not answer leaves only the configured peers (its own probe reports it down).
        let members = MeshMembers(configured: configured) {
            guard MeshFiles(dataDirectory: configuration.dataDirectory).listenerReady else { return nil }
            return try? await MeshCommand.Status.runningNodeView(configuration, meshPort: meshPort)
        }
        let guardian = Guardian(fetcher: fetcher, members: members,
                                local: .url(url ?? Self.localURL(configuration)),
                                certificatePath: MeshFiles(dataDirectory: configuration.dataDirectory).nodeCertificate,
                                certificateAuthority: MeshFiles(dataDirectory: configuration.dataDirectory).caCertificate)
        while true {
            let report = await guardian.check()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
            } else {
                print(report.text)
            }
            if once { if report.status == .fail { Glibc.exit(1) } else { return } }
            try await Task.sleep(for: .seconds(interval))
        }
    }

    /// Flags, environment and `.env`, plus the stored settings when the data dir has a
    /// database (never creates one: the guardian only looks).
    static func loadConfiguration(flags: [ConfigKey: String]) async throws -> ApplianceConfiguration {
        let plain = try ApplianceConfiguration.load(flags: flags)
        guard MeshFiles.exists(plain.databasePath) else { return plain }
        let database = try await Database(path: plain.databasePath, readers: 1)
        let stored = try? await SettingsStore(database: database).all()
        await database.close()
        return try ApplianceConfiguration.load(flags: flags, stored: stored ?? [:])
    }

    /// Where the API of the node configured here answers: a wildcard address means loopback.
    static func localURL(_ configuration: ApplianceConfiguration) -> String {
        let scheme = (try? configuration.tlsFiles()) == nil ? "http" : "https"
        var host = configuration.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" } else if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        let port = (try? configuration.port()) ?? 9000
        return "\(scheme)://\(host):\(port)"
    }
}
