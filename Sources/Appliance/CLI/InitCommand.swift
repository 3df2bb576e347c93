import ArgumentParser
import Net
import Logging
import Storage
import Auth

/// `triforce init`: explicit first-time setup of a data dir (database, node identity).
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Set up a data dir: database, node id, first admin.")

    @OptionGroup var data: DataOptions

    @Option(help: "Email of the first admin, created when no admin exists.")
    var adminEmail: String = "admin@localhost"

    func run() async throws {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        defer { Task { await node.database.close() } }
        print("data dir:  \(node.configuration.dataDirectory)")
        print("database:  \(node.configuration.databasePath)")
        print("node id:   \(node.identity.nodeID)\(node.identity.isNew ? " (new)" : "")")
        do {
            if let admin = try await node.auth.ensureFirstAdmin(email: adminEmail) {
                print("admin:     \(admin.email)")
                print("password:  \(admin.password)")
                print("(shown once; change it with `triforce user passwd \(admin.email)`)")
            }
        } catch {
            await node.database.close()
            Startup.fail("creating the first admin failed: \(error)")
        }
        await node.database.close()
    }
}
