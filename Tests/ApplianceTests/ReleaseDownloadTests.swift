@testable import Appliance
import Net
import FoundationEssentials
import Glibc
import Testing
import TestSupport

/// `release.json` in the config repository → `triforce release fetch` downloads the artifact
/// over HTTP (a real python http.server), verifies size and sha256, installs and switches.
@Suite("release manifest and download")
struct ReleaseDownloadTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    /// `python3 -m http.server` on an ephemeral loopback port serving `directory`.
    static func withFileServer(_ directory: String, _ body: (String) async throws -> Void) async throws {
        let server = try Subprocess.Running.spawn(["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                                   "--directory", directory])
        defer {
            server.signal(SIGKILL)
        }
        guard let line = await server.readLine(fd: server.stdoutFD),
              let port = line.split(separator: " ").firstIndex(of: "port").flatMap({ index in
                  Int(line.split(separator: " ")[line.split(separator: " ").index(after: index)])
              }) else {
            throw TestNodeError("http.server did not report its port")
        }
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            _ = await server.wait(until: .now)
            throw error
        }
        server.signal(SIGKILL)
        _ = await server.wait()
    }

    static func manifest(version: String, sha256: String, size: Int, url: String) -> String {
        #"{"version": "\#(version)", "artifacts": {"\#(ReleaseManifest.machine)": {"sha256": "\#(sha256)", "size": \#(size), "url": "\#(url)"}}}"#
    }

    @Test func manifestIsValidatedWithTheConfigCommit() throws {
        let sha = String(repeating: "ab", count: 32)
        let good = try ReleaseManifest.parse(Self.manifest(version: "0.2.0", sha256: sha, size: 10, url: "https://example.com/t"))
        #expect(good.version == "0.2.0" && good.artifactForThisMachine?.size == 10)
        let bad: [(String, String)] = [
            (Self.manifest(version: "0.2.0", sha256: "abc", size: 10, url: "https://x/t"), "sha256"),
            (Self.manifest(version: "../evil", sha256: sha, size: 10, url: "https://x/t"), "version"),
            (Self.manifest(version: "0.2.0", sha256: sha, size: 0, url: "https://x/t"), "size"),
            (Self.manifest(version: "0.2.0", sha256: sha, size: 10, url: "ftp://x/t"), "url"),
            (#"{"version": "0.2.0"}"#, "artifacts"),
        ]
        for (text, field) in bad {
            #expect(throws: ConfigSyncError.self) { try ReleaseManifest.parse(text) }
            do { _ = try ReleaseManifest.parse(text) } catch {
                #expect(error.path == "release.json" && error.message.contains(field), "\(error)")
            }
        }
    }

    @Test func fetchDownloadsVerifiesInstallsAndSwitches() async throws {
        let served = TemporaryDirectory.make()
        let content = "#!/bin/sh\necho 0.2.0\n" + String(repeating: "x", count: 100_000)
        try Data(content.utf8).write(to: URL(fileURLWithPath: served + "/triforce-0.2.0"))
        let sha = SHA256.hexHash(Array(content.utf8))
        let data = TemporaryDirectory.make(), prefix = TemporaryDirectory.make() + "/opt"
        let fixture = try await GitFixture.make()
        var environment = ProcessInfo.processInfo.environment
        environment["TRIFORCE_SYNC_GIT_URL"] = fixture.url

        try await Self.withFileServer(served) { base in
            // A manifest whose checksum does not match what the URL serves: refused, nothing switched.
            try await fixture.commit(["release.json": Self.manifest(version: "0.2.0", sha256: String(repeating: "0", count: 64),
                                                                    size: content.utf8.count, url: base + "/triforce-0.2.0")])
            let pulled = try await Subprocess.run([Self.binary, "sync", "config", "--pull", "--data-dir", data], environment: environment)
            #expect(pulled.status == 0, "\(pulled.stderr)")
            let mismatch = try await Subprocess.run([Self.binary, "release", "fetch", "--data-dir", data, "--prefix", prefix],
                                                    environment: environment)
            #expect(mismatch.status != 0 && mismatch.stderr.contains("sha256"), "\(mismatch.stderr)")
            #expect(ReleaseDirectory(prefix: prefix).current == nil)

            // The right checksum: downloaded, installed as releases/0.2.0, current.
            try await fixture.commit(["release.json": Self.manifest(version: "0.2.0", sha256: sha, size: content.utf8.count,
                                                                    url: base + "/triforce-0.2.0")])
            _ = try await Subprocess.run([Self.binary, "sync", "config", "--pull", "--data-dir", data], environment: environment)
            let status = try await Subprocess.run([Self.binary, "sync", "config", "--json", "--data-dir", data], environment: environment)
            #expect(JSONValue.parse(status.stdout)?["release"]?["target"]?.stringValue == "0.2.0")
            let fetched = try await Subprocess.run([Self.binary, "release", "fetch", "--data-dir", data, "--prefix", prefix],
                                                   environment: environment)
            #expect(fetched.status == 0, "\(fetched.stderr)")
            #expect(ReleaseDirectory(prefix: prefix).current == "0.2.0")
            #expect(FileManager.default.contents(atPath: prefix + "/current/triforce").map { String(decoding: $0, as: UTF8.self) } == content)

            // A size that does not match is refused before the checksum is even computed.
            try await fixture.commit(["release.json": Self.manifest(version: "0.3.0", sha256: sha, size: content.utf8.count + 1,
                                                                    url: base + "/triforce-0.2.0")])
            _ = try await Subprocess.run([Self.binary, "sync", "config", "--pull", "--data-dir", data], environment: environment)
            let short = try await Subprocess.run([Self.binary, "release", "fetch", "--data-dir", data, "--prefix", prefix],
                                                 environment: environment)
            #expect(short.status != 0 && short.stderr.contains("bytes"), "\(short.stderr)")
            #expect(ReleaseDirectory(prefix: prefix).current == "0.2.0")
        }
    }
}
