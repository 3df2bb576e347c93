import ArgumentParser
import FoundationEssentials
import Mesh
import Net
import Storage

/// `triforce mesh status`: asks the running node (over its own mesh port, with its own
/// certificate) for the members it sees, and prints them as a table.
struct MeshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mesh", abstract: "Inspect the mesh.", subcommands: [Status.self, Renew.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Members as the running node sees them.")
        @OptionGroup var data: DataOptions
        @Option(help: "The running node's mesh port (default: the mesh_port setting).") var meshPort: Int?
        @Flag(help: "Print the JSON instead of a table.") var json = false

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let view = try await Self.runningNodeView(node.configuration, meshPort: meshPort)
                if json {
                    print(view.jsonText)
                    return
                }
                print(Self.table(view))
            }
        }

        /// `mesh/nodes` asked of the node running from this data dir, over its own mesh port
        /// with its own certificate (a one-shot connection, not a link).
        static func runningNodeView(_ configuration: ApplianceConfiguration, meshPort: Int?,
                                    method: String = "mesh/nodes") async throws -> JSONValue {
            let files = MeshFiles(dataDirectory: configuration.dataDirectory)
            guard files.listenerReady else {
                throw ConfigurationError("no mesh certificates in \(files.dataDirectory): run `triforce ca init` or `triforce join`")
            }
            let port = try meshPort ?? configuration.meshPort()
            guard (1...65535).contains(port) else { throw ValidationError("give the running node's port with --mesh-port") }
            let host = ["0.0.0.0", "::", ""].contains(configuration.meshHost) ? "127.0.0.1" : configuration.meshHost
            let tls = try MbedTLSContext(configuration: .client(
                trustRoots: .file(files.caCertificate), certificateChain: .file(files.nodeCertificate), privateKey: .file(files.nodeKey)))
            let connection = try await MeshClient(tls: tls).connect(to: PeerAddress(host: host, port: port), oneShot: true)
            return try await connection.call(method, params: [:])
        }

        static func table(_ view: JSONValue) -> String {
            let header = ["ID", "STATE", "ADDRESS", "API", "INC", "RTT_MS", "VERSION", "SINCE"]
            var rows = [header]
            for member in view["members"]?.arrayValue ?? [] {
                // The node's own figures, but a table must not trap on whatever it is sent.
                let rtt = member["rtt_ms"]?.doubleValue.map { String(($0 * 10).rounded(.towardZero) / 10) } ?? "-"
                let since = member["since"]?.doubleValue.flatMap { Int64(exactly: $0.rounded(.down)) }.map(UTCTime.text) ?? "-"
                let id = (member["id"]?.stringValue ?? "") + (member["id"] == view["self"] ? " (self)" : "")
                rows.append([id, member["state"]?.stringValue ?? "", member["address"]?.stringValue ?? "",
                             member["api"]?.stringValue ?? "", member["incarnation"]?.intValue.map(String.init) ?? "",
                             rtt, member["version"]?.stringValue ?? "", since])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { $0.element.padded(to: widths[$0.offset]) }.joined(separator: "  ").trimmed()
            }.joined(separator: "\n")
        }
    }

    /// `triforce mesh renew`: renews this node's certificate now (what `serve` does by itself
    /// at two thirds of its lifetime), through the mesh authorities in `peers`.
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "renew", abstract: "Renew this node's mesh certificate now.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let files = MeshFiles(dataDirectory: node.configuration.dataDirectory)
                guard files.listenerReady else {
                    throw ConfigurationError("no mesh certificates in \(files.dataDirectory): run `triforce join` first")
                }
                let certificate = try await CertificateRenewal(files: files, nodeID: node.identity.nodeID)
                    .renew(through: try node.configuration.meshPeers())
                print("renewed: serial \(certificate.info.serialHex), valid until \(UTCTime.text(Int64(certificate.info.notAfter.timeIntervalSince1970)))")
                print("a running `serve` uses it from its next start")
            }
        }
    }
}
