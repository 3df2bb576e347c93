import ArgumentParser

/// `--data-dir`, shared by every subcommand that touches data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding triforce.db (env TRIFORCE_DATA_DIR; default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error, critical (env TRIFORCE_LOG_LEVEL).")
    var logLevel: String?

    var flags: [ConfigKey: String] {
        var flags: [ConfigKey: String] = [:]
        if let dataDir { flags[.dataDir] = dataDir }
        if let logLevel { flags[.logLevel] = logLevel }
        return flags
    }
}
