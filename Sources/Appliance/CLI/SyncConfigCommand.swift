import ArgumentParser
import Net
import Storage

/// `triforce sync config [--pull] [--json]`: the config-from-git state of this node (applied
/// commit, managed objects, last refusal); `--pull` runs one fetch-and-apply round now, the
/// same round the server runs every `sync.git_interval`.
struct SyncConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show (or --pull now) the config applied from the git repository.")

    @OptionGroup var data: DataOptions

    @Flag(help: "Fetch and apply the branch now; exit 1 when its newest commit is refused.")
    var pull = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await NodeCommand.with(data) { node in
            let source = try node.configuration.configSource()
            var failed = false
            if pull {
                guard let source else { throw ValidationError("sync.git_url is not set; `triforce config set sync.git_url URL` first") }
                let sync = ConfigSync(source: source, database: node.database, origin: node.origin,
                                      environment: node.configuration.environment, logger: node.logger)
                failed = await sync.pull().problem != nil
            }
            let report = try await ConfigSyncReport.make(source: source, database: node.database,
                                                         records: RolloutRecords(dataDirectory: node.configuration.dataDirectory))
            if json {
                print(report.jsonText)
            } else {
                Self.printReport(report)
            }
            if failed { throw ExitCode(1) }
        }
    }

    static func printReport(_ report: JSONValue) {
        guard report["enabled"]?.boolValue == true else {
            print(report["detail"]?.stringValue ?? "config from git is off")
            return
        }
        let state = report["state"] ?? [:]
        print("source     \(report["url"]?.stringValue ?? "") (branch \(report["branch"]?.stringValue ?? ""))"
              + (report["signed_only"]?.boolValue == true ? ", signed commits only" : ""))
        print("applied    \(state["applied_commit"]?.stringValue ?? "(none yet)")")
        print("fetched    \(state["fetched_commit"]?.stringValue ?? "(not yet)")")
        if let managed = state["managed"]?.objectValue {
            for kind in ["routes", "tiers", "providers", "agents", "prompts"] {
                let names = managed[kind]?.arrayValue?.compactMap(\.stringValue) ?? []
                print("\(kind.padded(to: 10)) \(names.isEmpty ? "-" : names.joined(separator: ", "))")
            }
        }
        if let release = report["release"], let target = release["target"]?.stringValue {
            print("release    target \(target), this node runs \(release["running"]?.stringValue ?? "?")")
            if let trial = release["trial"], let version = trial["version"]?.stringValue {
                print("trial      \(version) not confirmed yet (previous \(trial["previous"]?.stringValue ?? "?"))")
            }
            if let failed = release["failed"], let version = failed["version"]?.stringValue {
                print("halted     deploy/failed: release \(version) on \(failed["node"]?.stringValue ?? "?"): \(failed["reason"]?.stringValue ?? "")")
            }
        }
        if let problem = state["problem"], problem != .null {
            let path = problem["path"]?.stringValue.map { "\($0): " } ?? ""
            print("refused    \(problem["commit"]?.stringValue.map { String($0.prefix(12)) + " " } ?? "")\(path)\(problem["message"]?.stringValue ?? "")")
        }
    }
}
