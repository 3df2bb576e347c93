@testable import Appliance
import Mesh
import Auth
import Storage
import FoundationEssentials
import Glibc
import Net
import Testing
import TestSupport

/// The guardian: certificate expiry bands, the report in `/health` and the admin API, and
/// `triforce guardian --once` against a live node and a dead peer.
@Suite("guardian")
struct GuardianTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    @Test func certificateExpiryBands() {
        let now = Date()
        #expect(CertificateStatus(expiresAt: now.addingTimeInterval(-60), now: now).status == .fail)
        #expect(CertificateStatus(expiresAt: now.addingTimeInterval(5 * 86_400 + 60), now: now).status == .warn)
        #expect(CertificateStatus(expiresAt: now.addingTimeInterval(5 * 86_400 + 60), now: now).daysLeft == 5)
        #expect(CertificateStatus(expiresAt: now.addingTimeInterval(90 * 86_400), now: now).status == .ok)
        // Absurd dates clamp instead of trapping.
        #expect(CertificateStatus(expiresAt: Date(timeIntervalSince1970: 1e300), now: now).status == .ok)
        #expect(CertificateStatus(expiresAt: Date(timeIntervalSince1970: -1e300), now: now).status == .fail)
    }

    /// Lag from a replication status (the worst peer), from another node's `/health` (clamped,
    /// or nil when malformed), and the guardian's verdict: stuck only when rows are pending
    /// and the replica is `warnSeconds` behind.
    @Test func syncLagFromStatusAndHealth() {
        let status: JSONValue = ["peers": [["lag_rows": 3, "lag_seconds": 12.5], ["lag_rows": 1, "lag_seconds": 400.0],
                                           ["lag_rows": "x"]]]
        #expect(SyncLag(status: status) == SyncLag(rows: 3, seconds: 400))
        #expect(SyncLag(status: [:]) == SyncLag(rows: 0, seconds: 0))
        #expect(SyncLag(json: ["rows": -5, "seconds": -1.0]) == SyncLag(rows: 0, seconds: 0))
        #expect(SyncLag(json: ["rows": 2, "seconds": .double(.infinity)]) == SyncLag(rows: 2, seconds: 0))
        #expect(SyncLag(json: ["rows": "2", "seconds": 1]) == nil)
        #expect(SyncLag(json: nil) == nil)

        var node = GuardianReport.Node(name: "peer", url: nil, status: .ok, version: nil, nodeID: nil, health: nil,
                                       certificate: nil, latencyMilliseconds: nil, problems: [])
        node.attach(SyncLag(rows: 0, seconds: 10_000))
        #expect(node.status == .ok && node.problems.isEmpty)
        node.attach(SyncLag(rows: 5, seconds: 10))
        #expect(node.status == .ok)
        node.attach(SyncLag(rows: 5, seconds: SyncLag.warnSeconds))
        #expect(node.status == .warn)
        #expect(node.problems.first?.contains("5 rows, 300 s behind") == true)
        #expect(GuardianReport(nodes: [node]).text.contains("sync 5 rows, 300 s behind"))
    }

    @Test func membersAreDeduplicatedAndTrimmed() async {
        let members = ConfiguredMembers(setting: " http://a:9000/ ,http://b:9000,, http://a:9000", extra: ["http://c:1"])
        #expect(await members.members().map(\.url) == ["http://c:1", "http://a:9000", "http://b:9000"])
    }

    /// A live node with a mesh CA and a peer list naming a dead port: `/health` stays ready but
    /// says so, the admin API shows the whole report, guests are refused.
    @Test func reportInHealthAndAdminAPI() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let ca = try await Subprocess.run([Self.binary, "ca", "init", "--data-dir", dir], environment: ["PATH": "/usr/bin:/bin"])
        try #require(ca.status == 0, "\(ca.stderr)")
        let dead = "http://127.0.0.1:\(SilentPort.closed())"
        try await TestNode.run(flags: [.guardianPeers: dead, .meshPort: "0"], dataDirectory: dir) { node in
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"email":"\#(admin.email)","password":"\#(admin.password)"}"#)
            let token = try #require(login.json?["token"]?.stringValue)
            let report = try await Curl.request("\(node.baseURL)/v1/admin/guardian", headers: ["Authorization": "Bearer \(token)"])
            #expect(report.status == 200)
            let nodes = report.json?["nodes"]?.arrayValue ?? []
            #expect(nodes.first?["name"] == "local")
            #expect(nodes.first?["node_id"]?.stringValue == node.node.identity.nodeID)
            #expect(nodes.first?["certificate"]?["status"] == "ok")
            #expect((nodes.first?["certificate"]?["days_left"]?.intValue ?? 0) > 80)
            #expect(nodes.last?["url"]?.stringValue == dead && nodes.last?["status"] == "fail")
            #expect(report.json?["status"] == "fail")
            // The node has a mesh: its own replication lag is in the report (alone, nothing behind).
            #expect(nodes.first?["sync_lag"]?["rows"]?.intValue == 0)

            let guest = try await Curl.request("\(node.baseURL)/v1/admin/guardian")
            #expect(guest.status == 401)

            // The guardian's first round has run (the admin call above waited for it).
            let health = try await Curl.request("\(node.baseURL)/health")
            #expect(health.status == 200)
            #expect(health.json?["checks"]?["certificate"]?["status"] == "ok")
            #expect(health.json?["checks"]?["certificate"]?["detail"]?.stringValue?.contains("days") == true)
            #expect(health.json?["checks"]?["guardian"]?["status"] == "warn")
            #expect(health.json?["checks"]?["guardian"]?["detail"]?.stringValue?.contains(dead) == true)
            #expect(health.json?["sync_lag"]?["rows"]?.intValue == 0)
            // The same report, redacted for the public endpoint: statuses and figures, no error texts.
            let published = health.json?["guardian"]?["nodes"]?.arrayValue ?? []
            #expect(published.count == nodes.count)
            #expect(published.first?["node_id"]?.stringValue == node.node.identity.nodeID)
            #expect(published.last?["url"]?.stringValue == dead && published.last?["status"] == "fail")
            #expect(health.json?["guardian"]?["status"] == "fail")
            #expect(published.allSatisfy { $0["problems"]?.arrayValue?.isEmpty == true })
            #expect(!health.body.contains("unreachable"))
        }
    }

    @Test func cliOnceExitsNonZeroOnlyWhenANodeFails() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        try await TestNode.run { node in
            let env = ["PATH": "/usr/bin:/bin"]
            let dir = TemporaryDirectory.make()
            let healthy = try await Subprocess.run([Self.binary, "guardian", "--once", "--url", node.baseURL, "--data-dir", dir],
                                                   environment: env)
            #expect(healthy.status == 0, "\(healthy.stdout) \(healthy.stderr)")
            #expect(healthy.stdout.contains("OK    local  \(node.baseURL)  version \(TriForceVersion.current)  node \(node.node.identity.nodeID)"))
            #expect(healthy.stdout.contains("status: ok"))
            #expect(!MeshFiles.exists(dir + "/triforce.db"), "the guardian only looks; it never creates a data dir")

            let dead = "http://127.0.0.1:\(SilentPort.closed())"
            let failing = try await Subprocess.run([Self.binary, "guardian", "--once", "--url", node.baseURL, "--peer", dead,
                                                    "--data-dir", dir, "--json"], environment: env)
            #expect(failing.status == 1)
            let report = try #require(JSONValue.parse(failing.stdout))
            #expect(report["status"] == "fail")
            #expect(report["nodes"]?.arrayValue?.count == 2)
            #expect(report["nodes"]?.arrayValue?.last?["problems"]?.arrayValue?.first?.stringValue?.contains("unreachable") == true)
        }
    }
}

/// A loopback port with nothing listening (bound once, then closed).
enum SilentPort {
    static func closed() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
