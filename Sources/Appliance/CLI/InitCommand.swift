import ArgumentParser
import Net
import Logging
import Storage

/// `triforce init`: explicit first-time setup of a data dir (database, node identity).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Set up a data dir: database, node id.")

    @OptionGroup var data: DataOptions

    func run() async throws {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        defer { Task { await node.database.close() } }
        print("data dir:  \(node.configuration.dataDirectory)")
        print("database:  \(node.configuration.databasePath)")
        print("node id:   \(node.identity.nodeID)\(node.identity.isNew ? " (new)" : "")")
        await node.database.close()
    }
}
