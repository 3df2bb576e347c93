import ArgumentParser
import FoundationEssentials
import Net
import Logging
import Storage

/// `triforce serve`: runs the appliance until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the node (the default).")

    @OptionGroup var data: DataOptions

    @Option(help: "Address to listen on (env TRIFORCE_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "HTTP port, 0 for any free one (env TRIFORCE_PORT; default 9000).")
    var port: Int?

    @Option(help: "PEM certificate (chain): serve the API over HTTPS (env TRIFORCE_TLS_CERT; needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert (env TRIFORCE_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "mTLS mesh port, used once `triforce ca init` ran; 0 for any free one (env TRIFORCE_MESH_PORT; default 44433).")
    var meshPort: Int?

    @Option(help: "Address the mesh listener binds (env TRIFORCE_MESH_HOST; default: --host).")
    var meshHost: String?

    @Option(name: .customLong("peer"), help: "Mesh peer to keep a link to, wss://HOST:PORT (repeatable; setting `peers`).")
    var peers: [String] = []

    func run() async throws {
        let pool = ConcurrencyPool.install(environment: ProcessInfo.processInfo.environment)
        var flags = data.flags
        if let host { flags[.host] = host }
        if let port { flags[.port] = String(port) }
        if let tlsCert { flags[.tlsCert] = tlsCert }
        if let tlsKey { flags[.tlsKey] = tlsKey }
        if let meshPort { flags[.meshPort] = String(meshPort) }
        if let meshHost { flags[.meshHost] = meshHost }
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: flags, ring: ring)
        let node = await Startup.openNode(flags: flags, ring: ring, logger: logger)
        let openFiles = Startup.raiseOpenFileLimit()
        if let openFiles, let connections = try? node.configuration.maxConnections(), UInt64(connections) + 64 > openFiles {
            logger.warning("open-files limit is below max_connections; raise it (LimitNOFILE=) or lower max_connections",
                           metadata: ["open_files": "\(openFiles)", "max_connections": "\(connections)"])
        }
        logger.notice(node.identity.isNew ? "new node initialised" : "node starting", metadata: [
            "node_id": "\(node.identity.nodeID)",
            "data_dir": "\(node.configuration.dataDirectory)",
            "database": "\(node.configuration.databasePath)",
            "version": "\(TriForceVersion.current)",
            "concurrency_pool": "\(pool)",
        ])
        let app: ApplianceApp
        do {
            app = try await ApplianceApp.make(node: node, peers: peers)
            let released = StartupPages.release()
            logger.debug("startup pages released", metadata: ["bytes": "\(released)"])
            try await app.run()
        } catch {
            await node.database.close()
            Startup.fail("\(error)")
        }
        guard let binary = app.restart.pending else { return }
        await node.database.close()
        logger.notice("rollout: exec \(binary)")
        // Returns only when exec failed: exit non-zero so the supervisor starts `current`,
        // which finds the unfinished trial and records the failure.
        Startup.fail(ProcessRestart.exec(binary, arguments: CommandLine.arguments))
    }
}
