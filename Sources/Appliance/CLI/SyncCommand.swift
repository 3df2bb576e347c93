import ArgumentParser

/// `triforce sync ...`: state that comes from elsewhere (config from git).
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Config from git and replication state.",
        subcommands: [SyncConfigCommand.self])
}
