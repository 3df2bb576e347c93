import ArgumentParser
import Net
import Logging
import Storage

/// `triforce config`: shows the effective configuration (secrets redacted) and edits the
/// stored-settings layer, which a running server reads at its next start.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or change the configuration.",
        subcommands: [Show.self, Set.self, Unset.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print every setting, its value and where it came from.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let rows = node.configuration.redactedListing()
                let width = rows.map(\.key.name.count).max() ?? 0
                for row in rows {
                    print("\(row.key.name.padded(to: width))  \(row.value)  [\(row.source.rawValue)]")
                }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Store a setting in the database.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Setting name, as shown by `triforce config`.") var key: String
        @Argument(help: "Value.") var value: String

        func run() async throws {
            guard let configKey = ConfigKey.all.first(where: { $0.name == key }) else {
                throw ValidationError("unknown setting '\(key)'; run `triforce config` to list them")
            }
            guard configKey != .dataDir else { throw ValidationError("data_dir cannot be stored inside the data dir; use --data-dir or TRIFORCE_DATA_DIR") }
            try await NodeCommand.with(data) { node in
                try await SettingsStore(database: node.database).set(configKey.name, value)
                print("\(configKey.name) stored\(configKey.isSecret ? " (secret, redacted in output)" : "")")
            }
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove a stored setting.")
        @OptionGroup var data: DataOptions
        @Argument var key: String

        func run() async throws {
            try await NodeCommand.with(data) { node in
                try await SettingsStore(database: node.database).remove(key)
                print("\(key) removed")
            }
        }
    }
}
