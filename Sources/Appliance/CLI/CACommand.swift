import ArgumentParser
import FoundationEssentials
import Mesh
import Net
import Storage

/// `triforce ca init|issue|revoke|list|token`: the mesh certificate authority kept in the
/// data dir (`ca/ca.crt`, `ca/ca.key`) and this node's own certificate (`node.crt`, `node.key`).
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Manage the mesh certificate authority.",
        subcommands: [Init.self, Issue.self, Revoke.self, List.self, TokenCommand.self])

    /// `--dns` / `--ip` SANs, shared by init and issue.
    struct NameOptions: ParsableArguments {
        @Option(name: .customLong("dns"), help: "DNS name to put in the certificate (repeatable).") var dnsNames: [String] = []
        @Option(name: .customLong("ip"), help: "IP address to put in the certificate (repeatable).") var ipAddresses: [String] = []
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Create the mesh CA (P-256, 10 years) and this node's certificate.")
        @OptionGroup var data: DataOptions
        @OptionGroup var names: NameOptions
        @Option(help: "Validity of the node certificate in days.") var days: Int = 365

        func validate() throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days must be 1...3650") }
        }

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let files = MeshFiles(dataDirectory: node.configuration.dataDirectory)
                guard !files.caExists else {
                    throw ConfigurationError("a mesh CA already exists in \(files.caDirectory); refusing to overwrite it")
                }
                try MeshFiles.makeDirectory(files.caDirectory)
                let nodeID = node.identity.nodeID
                let authority = try CertificateAuthority.create(commonName: "TriForce Mesh CA \(nodeID.prefix(12))")
                try authority.write(toDirectory: files.caDirectory)
                let key = try PrivateKey.generateP256()
                let certificate = try authority.sign(key: key, profile: .init(
                    commonName: nodeID,
                    dnsNames: names.dnsNames.isEmpty ? ["localhost"] : names.dnsNames,
                    uris: ["urn:triforce:node:\(nodeID)"],
                    ipAddresses: names.ipAddresses.isEmpty ? ["127.0.0.1"] : names.ipAddresses,
                    validityDays: days))
                try CertificateAuthority.write(certificate: certificate, key: key,
                                               certificatePath: files.nodeCertificate, keyPath: files.nodeKey)
                try await MeshCertificateStore(database: node.database, origin: node.origin).record(certificate, name: nodeID)
                try await ReplicationStore.markFounded(node.database, atMilliseconds: Int64(clamping: node.origin.clock.wallMilliseconds))
                print("mesh CA created: \(files.caCertificate) (key \(files.caKey), mode 0600)")
                print("CA pin (sha256 of SPKI): \(authority.certificate.spkiSHA256)")
                print("node certificate: \(files.nodeCertificate) serial \(certificate.info.serialHex)")
            }
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue", abstract: "Issue a node or client certificate signed by the mesh CA.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Certificate name (its CN and file name).") var name: String
        @OptionGroup var names: NameOptions
        @Option(help: "Validity in days.") var days: Int = 90
        @Option(help: "Write DIR/NAME.crt, DIR/NAME.key (0600) and DIR/ca.crt; without it the PEMs go to stdout.")
        var out: String?

        func validate() throws {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 == 0x2d || $0 == 0x2e || $0 == 0x5f || (0x30...0x39).contains($0)
                    || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) }), !name.hasPrefix(".") else {
                throw ValidationError("NAME may hold only letters, digits, '.', '-' and '_'")
            }
            guard (1...3650).contains(days) else { throw ValidationError("--days must be 1...3650") }
        }

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let authority = try CACommand.loadAuthority(node)
                let key = try PrivateKey.generateP256()
                let certificate = try authority.sign(key: key, profile: .init(
                    commonName: name, dnsNames: names.dnsNames, uris: [], ipAddresses: names.ipAddresses, validityDays: days))
                try await MeshCertificateStore(database: node.database, origin: node.origin).record(certificate, name: name)
                if let out {
                    try MeshFiles.makeDirectory(out)
                    try CertificateAuthority.write(certificate: certificate, key: key,
                                                   certificatePath: "\(out)/\(name).crt", keyPath: "\(out)/\(name).key")
                    try PEMFile.write(authority.certificate.pem, to: "\(out)/ca.crt", permissions: 0o644)
                    print("\(out)/\(name).crt  \(out)/\(name).key  \(out)/ca.crt")
                } else {
                    print(certificate.pem + (try key.privateKeyPEM()), terminator: "")
                }
                FileHandleOutput.stderr("issued \(name) serial \(certificate.info.serialHex), valid \(days) days\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke", abstract: "Revoke certificates by name or serial; running servers refuse them within a second.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Certificate name or serial (hex).") var serialOrName: String
        @Option(help: "Why, for the record.") var reason: String = ""

        func run() async throws {
            try await NodeCommand.with(data) { node in
                let serials = try await MeshCertificateStore(database: node.database, origin: node.origin)
                    .revoke(serialOrName, reason: reason)
                for serial in serials { print("\(serial): revoked") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List issued and revoked certificates.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            try await NodeCommand.with(data) { node in
                for entry in try await MeshCertificateStore(database: node.database, origin: node.origin).list() {
                    let status = entry.revokedAt.map { "revoked \(UTCTime.text($0))" } ?? "valid"
                    let expiry = entry.notAfter > 0 ? "expires \(UTCTime.text(entry.notAfter))" : "not issued here"
                    print("\(entry.serial)  \(entry.name.isEmpty ? "-" : entry.name)  \(expiry)  \(status)")
                }
            }
        }
    }

    static func loadAuthority(_ node: Node) throws -> CertificateAuthority {
        let files = MeshFiles(dataDirectory: node.configuration.dataDirectory)
        guard MeshFiles.exists(files.caCertificate), MeshFiles.exists(files.caKey) else {
            throw ConfigurationError("no mesh CA in \(files.caDirectory): run `triforce ca init` first")
        }
        return try CertificateAuthority(certificateFile: files.caCertificate, keyFile: files.caKey)
    }
}

/// Unix seconds as `2025-01-31T12:00:00Z`, without Foundation's calendar. Any value formats:
/// some come from tokens and replicated rows (a revocation's time), not from our clock.
enum UTCTime {
    static func text(_ seconds: Int64) -> String {
        let time = CivilTime(secondsSince1970: Int(seconds)), pad = CivilTime.padded
        return "\(time.year)-\(pad(time.month, 2))-\(pad(time.day, 2))T\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2))Z"
    }
}
