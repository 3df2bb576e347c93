@testable import Appliance
import Net
import FoundationEssentials
import Glibc
import Synchronization
import Testing
import TestSupport

/// Three real `triforce serve` processes following one config repository: each applies a new
/// commit on its own timer, and each refuses a force-push while serving the last good commit.
@Suite("config from git across nodes")
struct ConfigSyncClusterTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    /// A `serve` process on an ephemeral port; stderr drained so it never blocks.
    struct Server {
        let process: Subprocess.Running
        let port: Int
        let dir: String

        /// The `code` route as `triforce route list` reads it from the node's database.
        func codeRoute() async throws -> String? {
            let out = try await Subprocess.run([ConfigSyncClusterTests.binary, "route", "list", "--data-dir", dir],
                                               environment: ["PATH": "/usr/bin:/bin"])
            return out.stdout.split(separator: "\n").first { $0.hasPrefix("code\t") }.map(String.init)
        }

        static func start(dir: String, repository: String) async throws -> Server {
            let process = try Subprocess.Running.spawn(
                [ConfigSyncClusterTests.binary, "serve", "--port", "0", "--data-dir", dir],
                environment: ["PATH": "/usr/bin:/bin", "TRIFORCE_SYNC_GIT_URL": repository, "TRIFORCE_SYNC_GIT_INTERVAL": "5",
                              "GIT_CONFIG_GLOBAL": "/dev/null"])
            var port: Int?
            while port == nil, let line = await process.readLine(fd: process.stderrFD) {
                if line.contains("triforce: listening") {
                    port = line.split(separator: " ").last { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
                }
            }
            guard let port else {
                process.signal(SIGKILL)
                _ = await process.wait()
                throw TestNodeError("serve did not start in \(dir)")
            }
            Task.detached { while await process.readLine(fd: process.stderrFD) != nil {} }
            return Server(process: process, port: port, dir: dir)
        }

        /// The `config` check of `/health`: status and detail.
        func configCheck() async -> (status: String, detail: String)? {
            guard let health = try? await Curl.request("http://127.0.0.1:\(port)/health", timeout: 10).json,
                  let check = health["checks"]?["config"] else { return nil }
            return (check["status"]?.stringValue ?? "", check["detail"]?.stringValue ?? "")
        }

        func stop() async {
            process.signal(SIGTERM)
            _ = await process.wait(until: .now + .seconds(30))
        }
    }

    @Test func everyNodeFollowsTheBranchAndRefusesAForcePush() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let fixture = try await GitFixture.make()
        let first = try await fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#])
        var servers: [Server] = []
        do {
            for _ in 0..<3 { servers.append(try await Server.start(dir: TemporaryDirectory.make(), repository: fixture.url)) }
            // The first round runs at start.
            for server in servers {
                let applied = await eventually(within: .seconds(60), every: .milliseconds(250)) {
                    await server.configCheck()?.detail.contains(String(first.prefix(12))) == true
                }
                #expect(applied)
            }
            // A new commit reaches every node within a few intervals (5 s ± 20 %).
            let second = try await fixture.commit(["routes.json": #"{"code": ["anthropic/claude-sonnet-4-5"]}"#])
            for server in servers {
                let applied = await eventually(within: .seconds(60), every: .milliseconds(250)) {
                    await server.configCheck()?.detail.contains("config commit \(second.prefix(12))") == true
                }
                #expect(applied)
                #expect(try await server.codeRoute() == "code\tset\tanthropic/claude-sonnet-4-5")
            }
            // A force-push: every node warns, names the refused commit and keeps the second one.
            try await fixture.git(["reset", "-q", "--hard", first])
            let rewritten = try await fixture.commit(["routes.json": #"{"code": ["evil/model"]}"#], force: true)
            for server in servers {
                let refused = await eventually(within: .seconds(60), every: .milliseconds(250)) {
                    await server.configCheck()?.detail.contains(String(rewritten.prefix(12))) == true
                }
                #expect(refused)
                let check = await server.configCheck()
                #expect(check?.status == "warn")
                #expect(check?.detail.contains("config commit \(second.prefix(12))") == true)
                #expect(check?.detail.contains("force-pushed") == true)
                #expect(try await server.codeRoute() == "code\tset\tanthropic/claude-sonnet-4-5")
            }
        } catch {
            for server in servers { await server.stop() }
            throw error
        }
        for server in servers { await server.stop() }
    }
}
