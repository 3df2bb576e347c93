@testable import Appliance
import Net
import FoundationEssentials
import Glibc
import Testing
import TestSupport

/// A release binary fetched from a peer over the mesh (`deploy/binary`, mTLS with this data
/// dir's certificate), checked against release.json, installed and made current.
@Suite("release transfer between nodes")
struct ReleaseTransferTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    static func cli(_ args: [String], environment: [String: String] = [:]) async throws -> Subprocess.Output {
        try await Subprocess.run([binary] + args, environment: ["PATH": "/usr/bin:/bin", "GIT_CONFIG_GLOBAL": "/dev/null"].merging(environment) { $1 })
    }

    @Test func peerServesAnInstalledReleaseToACertifiedNode() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let root = TemporaryDirectory.make()
        let hub = root + "/hub", other = root + "/other", out = root + "/out"
        #expect(try await Self.cli(["ca", "init", "--ip", "127.0.0.1", "--data-dir", hub]).status == 0)
        let issued = try await Self.cli(["ca", "issue", "other", "--ip", "127.0.0.1", "--out", out, "--data-dir", hub])
        try #require(issued.status == 0, "\(issued.stderr)")
        try FileManager.default.createDirectory(atPath: other + "/ca", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: hub + "/ca/ca.crt", toPath: other + "/ca/ca.crt")
        try FileManager.default.copyItem(atPath: out + "/other.crt", toPath: other + "/node.crt")
        try FileManager.default.copyItem(atPath: out + "/other.key", toPath: other + "/node.key")
        _ = chmod(other, 0o700)

        // The hub has release 0.2.0 installed (1.2 MB: several chunks).
        var content = [UInt8](repeating: 0, count: 1_200_000)
        for index in content.indices { content[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
        try Data(content).write(to: URL(fileURLWithPath: root + "/candidate"))
        let sha = SHA256.hexHash(content)
        let installed = try await Self.cli(["release", "install", root + "/candidate", "--sha256", sha, "--version", "0.2.0",
                                            "--prefix", hub + "-opt"])
        try #require(installed.status == 0, "\(installed.stderr)")

        let server = try Subprocess.Running.spawn(
            [Self.binary, "serve", "--port", "0", "--mesh-port", "0", "--data-dir", hub],
            environment: ["PATH": "/usr/bin:/bin", "TRIFORCE_PREFIX": hub + "-opt"])
        defer { server.signal(SIGKILL) }
        var meshPort: Int?
        while meshPort == nil, let line = await server.readLine(fd: server.stderrFD) {
            if line.contains("mesh listening") {
                meshPort = line.split(separator: " ").last { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
            }
        }
        let port = try #require(meshPort, "the hub did not start its mesh listener")
        Task.detached { while await server.readLine(fd: server.stderrFD) != nil {} }

        let fixture = try await GitFixture.make()
        let environment = ["TRIFORCE_SYNC_GIT_URL": fixture.url]
        func publish(_ version: String, size: Int) async throws {
            try await fixture.commit(["release.json": #"{"version": "\#(version)", "artifacts": {"\#(ReleaseManifest.machine)": {"sha256": "\#(sha)", "size": \#(size)}}}"#])
            let pulled = try await Self.cli(["sync", "config", "--pull", "--data-dir", other], environment: environment)
            #expect(pulled.status == 0, "\(pulled.stderr)")
        }
        let fetch = ["release", "fetch", "--data-dir", other, "--prefix", other + "-opt"]

        // Without a URL in the manifest and without --peer there is nowhere to fetch from.
        try await publish("0.2.0", size: content.count)
        let nowhere = try await Self.cli(fetch, environment: environment)
        #expect(nowhere.status != 0 && nowhere.stderr.contains("--peer"), "\(nowhere.stderr)")

        let fetched = try await Self.cli(fetch + ["--peer", "wss://127.0.0.1:\(port)"], environment: environment)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(ReleaseDirectory(prefix: other + "-opt").current == "0.2.0")
        #expect(FileManager.default.contents(atPath: other + "-opt/current/triforce").map { SHA256.hexHash([UInt8]($0)) } == sha)

        // A version the peer does not have: refused, current kept.
        try await publish("0.3.0", size: content.count)
        let missing = try await Self.cli(fetch + ["--peer", "wss://127.0.0.1:\(port)"], environment: environment)
        #expect(missing.status != 0 && missing.stderr.contains("not installed"), "\(missing.stderr)")
        #expect(ReleaseDirectory(prefix: other + "-opt").current == "0.2.0")
        server.signal(SIGTERM)
        _ = await server.wait(until: .now + .seconds(30))
    }
}
