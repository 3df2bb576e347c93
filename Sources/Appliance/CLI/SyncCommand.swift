import ArgumentParser
import FoundationEssentials
import Net

/// `triforce sync ...`: state that comes from elsewhere: `status` asks the running node (over
/// its own mesh port, with its own certificate) how replication stands, per peer, and prints a
/// table (or the JSON); `config` is config from git.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Config from git and replication state.",
        subcommands: [Status.self, SyncConfigCommand.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Replication as the running node sees it.")
        @OptionGroup var data: DataOptions
        @Option(help: "The running node's mesh port (default: the mesh_port setting).") var meshPort: Int?
        @Flag(help: "Print the JSON instead of a table.") var json = false

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let view = try await MeshCommand.Status.runningNodeView(node.configuration, meshPort: meshPort, method: "sync/status")
                print(json ? view.jsonText : Self.table(view))
            }
        }

        static func table(_ view: JSONValue) -> String {
            var lines = ["self \(view["self"]?.stringValue ?? "-")  head \(view["head"]?.intValue ?? 0)  config_commit "
                + (view["config_commit"]?.stringValue ?? "none")]
            let header = ["PEER", "LINKED", "CURSOR", "HEAD", "LAG_ROWS", "LAG_S", "LAST_BATCH", "REFUSED", "LAST_REFUSAL"]
            var rows = [header]
            for peer in view["peers"]?.arrayValue ?? [] {
                let last = peer["last_batch"]?["at_ms"]?.intValue.map { UTCTime.text($0 / 1000) + " (\(peer["last_batch"]?["rows"]?.intValue ?? 0) rows)" } ?? "-"
                rows.append([peer["peer"]?.stringValue ?? "", (peer["linked"]?.boolValue ?? false) ? "yes" : "no",
                             String(peer["cursor"]?.intValue ?? 0), String(peer["head"]?.intValue ?? 0),
                             String(peer["lag_rows"]?.intValue ?? 0), String(peer["lag_seconds"]?.doubleValue ?? 0), last,
                             String(peer["refused"]?.intValue ?? 0), peer["last_refusal"]?["reason"]?.stringValue ?? "-"])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            lines += rows.map { row in
                row.enumerated().map { $0.element.padded(to: widths[$0.offset]) }.joined(separator: "  ").trimmed()
            }
            return lines.joined(separator: "\n")
        }
    }
}
