import ArgumentParser
import FoundationEssentials
import Mesh
import Net
import Storage

/// `triforce join wss://HUB:44433 --token TOKEN`: makes this data dir a mesh member. The key
/// is made here and never leaves; the hub is trusted only through the token's CA pin.
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Join a mesh with a token from `triforce ca token create` on the hub.")

    @OptionGroup var data: DataOptions
    @Argument(help: "The hub's mesh address, wss://HOST:PORT (default: the address in the token).") var hub: String?
    @Option(help: "The join token (tfjoin1.…).") var token: String
    @Option(name: .customLong("dns"), help: "DNS name for this node's certificate (repeatable).") var dnsNames: [String] = []
    @Option(name: .customLong("ip"), help: "IP address for this node's certificate (repeatable).") var ipAddresses: [String] = []

    func run() async throws {
        try await NodeCommand.with(data) { node in
            let files = MeshFiles(dataDirectory: node.configuration.dataDirectory)
            guard !files.listenerReady, !MeshFiles.exists(files.nodeCertificate) else {
                throw ConfigurationError("\(files.dataDirectory) already holds a mesh certificate (node.crt); join with a fresh --data-dir")
            }
            let parsed = try JoinToken(token)
            guard parsed.expiresAt > Int64(Date().timeIntervalSince1970) else {
                throw MeshError(.joinRefused, "join token expired at \(UTCTime.text(parsed.expiresAt)); ask the hub for a new one")
            }
            let address: PeerAddress
            if let hub {
                guard let given = PeerAddress(hub) else { throw ValidationError("hub must look like wss://HOST:PORT") }
                address = given
            } else {
                address = parsed.hubAddress
            }
            let key = try PrivateKey.generateP256()
            let result = try await JoinClient().join(token: parsed, hub: address, nodeID: node.identity.nodeID, key: key,
                                                     dns: dnsNames, ips: ipAddresses)
            try MeshFiles.makeDirectory(files.caDirectory)
            try PEMFile.write(result.caPEM, to: files.caCertificate, permissions: 0o644)
            try CertificateAuthority.write(certificate: result.certificate, key: key,
                                           certificatePath: files.nodeCertificate, keyPath: files.nodeKey)
            let store = MeshCertificateStore(database: node.database, origin: node.origin)
            for serial in result.revocations { _ = try? await store.revoke(serial, reason: "from hub \(result.hubID)") }
            let settings = SettingsStore(database: node.database)
            var peers = (try await settings.get("peers") ?? "").split(separator: ",").map { $0.trimmed() }.filter { !$0.isEmpty }
            if !peers.contains(address.url) { peers.append(address.url) }
            try await settings.set("peers", peers.joined(separator: ","))
            try await settings.set("mesh_authorities", result.hubID)
            let members = result.members.arrayValue?.count ?? 0
            print("joined the mesh via \(address) (hub \(result.hubID)) as \(node.identity.nodeID)")
            print("certificate \(files.nodeCertificate) serial \(result.certificate.info.serialHex), valid until \(UTCTime.text(Int64(result.certificate.info.notAfter.timeIntervalSince1970)))")
            print("\(members) member(s) known; start with: triforce serve --data-dir \(files.dataDirectory)")
        }
    }
}
