import ArgumentParser
import Auth
import Net

/// `triforce key create|list|revoke`: API keys for machines.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key for a user; prints it once.")
        @OptionGroup var data: DataOptions
        @Argument var email: String
        @Option(help: "A label to tell keys apart.") var name: String = ""

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let (key, secret) = try await node.auth.keys.create(email: email, name: name)
                print(secret)
                FileHandleOutput.stderr("key \(key.id) for \(key.email) created; it is shown once, only its hash is stored\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (ids and prefixes, never the keys).")
        @OptionGroup var data: DataOptions
        @Option(help: "Only this user's keys.") var email: String?

        func run() async throws {
            try await NodeCommand.with(data) { node in
                for key in try await node.auth.keys.list(email: email) {
                    print("\(key.id)  \(key.prefix)…  \(key.email)  \(key.name.isEmpty ? "-" : key.name)  \(key.revoked ? "revoked" : "active")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by id.")
        @OptionGroup var data: DataOptions
        @Argument var id: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await node.auth.keys.revoke(id: id)
                print("\(id): revoked")
            }
        }
    }
}
