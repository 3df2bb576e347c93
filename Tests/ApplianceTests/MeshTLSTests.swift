import FoundationEssentials
import Glibc
import Net
import Storage
import Synchronization
import Testing
import TestSupport

/// The real binary with a mesh CA: HTTPS API and the mTLS mesh port, probed by curl and
/// `openssl s_client` with good, missing, foreign, expired and revoked client certificates.
@Suite("Mesh TLS end to end", .serialized)
struct MeshTLSTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    static func triforce(_ args: [String], dir: String) async throws -> Subprocess.Output {
        try await Subprocess.run([binary] + args + ["--data-dir", dir], environment: ["PATH": "/usr/bin:/bin"])
    }

    /// `openssl s_client` sending one HTTP request; true when an HTTP response came back.
    static func sClient(port: Int, ca: String, cert: (String, String)?) async throws -> Bool {
        var argv = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-ign_eof"]
        if let cert { argv += ["-cert", cert.0, "-key", cert.1] }
        let out = try await Subprocess.run(argv, input: "GET /nothing HTTP/1.0\r\nConnection: close\r\n\r\n", timeout: .seconds(30))
        return out.stdout.contains("HTTP/1.1 404")
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func caHTTPSAndMeshPortEndToEnd() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let out = dir + "/out"
        let initialised = try await Self.triforce(["ca", "init", "--dns", "localhost", "--ip", "127.0.0.1"], dir: dir)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(Self.mode(dir + "/ca/ca.key") == 0o600 && Self.mode(dir + "/node.key") == 0o600)
        let again = try await Self.triforce(["ca", "init"], dir: dir)
        #expect(again.status != 0 && again.stderr.contains("refusing"))
        for name in ["good", "doomed"] {
            let issued = try await Self.triforce(["ca", "issue", name, "--out", out, "--days", "30"], dir: dir)
            #expect(issued.status == 0, "\(issued.stderr)")
        }
        #expect(Self.mode(out + "/good.key") == 0o600)
        let node = try Certificate(file: dir + "/node.crt").info
        #expect(node.uris.first?.hasPrefix("urn:triforce:node:") == true && node.ipAddresses == ["127.0.0.1"])

        // Material the CLI cannot make: a foreign CA, and a certificate already expired.
        let foreignCA = try CertificateAuthority.create(commonName: "Other CA")
        let foreignKey = try PrivateKey.generateP256()
        try CertificateAuthority.write(certificate: foreignCA.sign(key: foreignKey, profile: .init(commonName: "intruder")),
                                       key: foreignKey, certificatePath: out + "/foreign.crt", keyPath: out + "/foreign.key")
        let meshCA = try CertificateAuthority(certificateFile: dir + "/ca/ca.crt", keyFile: dir + "/ca/ca.key")
        let oldKey = try PrivateKey.generateP256()
        try CertificateAuthority.write(
            certificate: meshCA.sign(key: oldKey, profile: .init(commonName: "old", validityDays: 10,
                                                                  notBefore: Date().addingTimeInterval(-40 * 86400))),
            key: oldKey, certificatePath: out + "/old.crt", keyPath: out + "/old.key")

        let server = try Subprocess.Running.spawn(
            [Self.binary, "serve", "--port", "0", "--mesh-port", "0", "--data-dir", dir,
             "--tls-cert", dir + "/node.crt", "--tls-key", dir + "/node.key"], environment: ["PATH": "/usr/bin:/bin"])
        let log = LogLines()
        let ports = Task { () -> (api: Int, mesh: Int)? in
            var api: Int?, mesh: Int?
            while let line = await server.readLine(fd: server.stderrFD) {
                log.append(line)
                let port = line.split(separator: " ").last { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
                if line.contains("mesh listening") { mesh = port } else if line.contains("triforce: listening") { api = port }
                if let api, let mesh { return (api, mesh) }
            }
            return nil
        }
        defer { server.signal(SIGKILL) }
        let found = try #require(await ports.value, "server did not start: \(log.lines)")
        let drain = Task { while let line = await server.readLine(fd: server.stderrFD) { log.append(line) } }
        #expect(log.lines.contains { $0.contains("url=https://127.0.0.1:\(found.api)") })

        let ca = dir + "/ca/ca.crt"
        let health = try await Curl.request("https://127.0.0.1:\(found.api)/health", extra: ["--cacert", ca])
        #expect(health.status == 200 && health.json?["status"] == "ok")
        let plain = try await Subprocess.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:\(found.api)/health"])
        #expect(!plain.stdout.contains("\"ok\""), "plain HTTP must not reach the HTTPS port")

        let mesh = "https://127.0.0.1:\(found.mesh)/nothing"
        let viaCurl = try await Curl.request(mesh, extra: ["--cacert", ca, "--cert", out + "/good.crt", "--key", out + "/good.key"])
        #expect(viaCurl.status == 404)
        // Without a client certificate TLS completes (a joining node has none yet), but only the
        // join WebSocket is served: plain HTTP paths are 404.
        let noCert = try await Curl.request(mesh, extra: ["--cacert", ca])
        #expect(noCert.status == 404)

        let meshPort = found.mesh
        #expect(try await Self.sClient(port: meshPort, ca: ca, cert: (out + "/good.crt", out + "/good.key")))
        #expect(try await Self.sClient(port: meshPort, ca: ca, cert: nil), "no client certificate: allowed for join")
        #expect(try await !Self.sClient(port: meshPort, ca: ca, cert: (out + "/foreign.crt", out + "/foreign.key")), "foreign CA")
        #expect(try await !Self.sClient(port: meshPort, ca: ca, cert: (out + "/old.crt", out + "/old.key")), "expired")
        #expect(try await Self.sClient(port: meshPort, ca: ca, cert: (out + "/doomed.crt", out + "/doomed.key")))

        // Revoked from another process while serve runs: refused within the refresh interval.
        let revoked = try await Self.triforce(["ca", "revoke", "doomed"], dir: dir)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        var refused = false
        for _ in 0..<30 where !refused {
            refused = try await !Self.sClient(port: meshPort, ca: ca, cert: (out + "/doomed.crt", out + "/doomed.key"))
            if !refused { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(refused, "revoked certificate still accepted")
        #expect(try await Self.sClient(port: meshPort, ca: ca, cert: (out + "/good.crt", out + "/good.key")))

        let list = try await Self.triforce(["ca", "list"], dir: dir)
        #expect(list.stdout.split(separator: "\n").contains { $0.contains("doomed") && $0.contains("revoked") })
        #expect(list.stdout.split(separator: "\n").contains { $0.contains("good") && $0.contains("valid") })

        server.signal(SIGTERM)
        #expect(await server.wait() == 0)
        drain.cancel()
    }

    @Test func badTLSFilesFailWithOneLine() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        #expect(try await Self.triforce(["ca", "init"], dir: dir).status == 0)
        #expect(try await Self.triforce(["ca", "issue", "other", "--out", dir + "/out"], dir: dir).status == 0)
        func serve(_ cert: String, _ key: String) async throws -> Subprocess.Output {
            try await Subprocess.run([Self.binary, "serve", "--port", "0", "--mesh-port", "0", "--data-dir", dir,
                                      "--tls-cert", cert, "--tls-key", key], environment: ["PATH": "/usr/bin:/bin"],
                                     timeout: .seconds(60))
        }
        let mismatched = try await serve(dir + "/node.crt", dir + "/out/other.key")
        #expect(mismatched.status != 0 && mismatched.stderr.contains("does not match"), "\(mismatched.stderr)")
        let missing = try await serve(dir + "/nope.crt", dir + "/node.key")
        #expect(missing.status != 0 && missing.stderr.contains("cannot load TLS certificate"), "\(missing.stderr)")
        let garbage = try await serve(dir + "/triforce.db", dir + "/node.key")
        #expect(garbage.status != 0 && garbage.stderr.contains("cannot load TLS certificate"))
        let lastLine = mismatched.stderr.split(separator: "\n").last ?? ""
        #expect(lastLine.hasPrefix("triforce: "))
    }

    @Test func joinTokenCarriesPinAndStoresOnlyAHash() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        #expect(try await Self.triforce(["ca", "token", "create"], dir: dir).status != 0, "no CA yet")
        #expect(try await Self.triforce(["ca", "init"], dir: dir).status == 0)
        let created = try await Self.triforce(["ca", "token", "create", "--ttl", "2h", "--uses", "3"], dir: dir)
        let token = created.stdout.trimmed()
        #expect(token.hasPrefix("tfjoin1."))
        let payload = try #require(Base64URL.decode(token.dropFirst(8)).flatMap { JSONValue.parse(String(decoding: $0, as: UTF8.self)) })
        let pin = try Certificate(file: dir + "/ca/ca.crt").spkiSHA256
        #expect(payload["p"]?.stringValue == pin)
        let secret = try #require(payload["s"]?.stringValue)
        #expect(payload["n"]?.stringValue?.isEmpty == false && payload["a"]?.stringValue == "127.0.0.1:44433")
        let list = try await Self.triforce(["ca", "token", "list"], dir: dir)
        #expect(list.stdout.contains("uses_left=3") && list.stdout.contains("active") && !list.stdout.contains(secret))

        let database = try await Database(path: dir + "/triforce.db")
        let stored = try await database.read { try $0.query("SELECT secret_hash FROM join_tokens").compactMap { $0.string("secret_hash") } }
        await database.close()
        #expect(stored == [SHA256.hexHash(Array(secret.utf8))])
    }
}

/// Server log lines collected by a reader task while the test probes the server.
final class LogLines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
