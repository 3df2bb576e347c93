@testable import Appliance
import Auth
import FoundationEssentials
import Net
import Storage
import Testing
import TestSupport

/// Where the HTTP side reports the mesh: `GET /v1/admin/mesh` (admin only), `mesh/stats` on
/// /v1/mcp and the `mesh` check in `/health`, on a node whose data dir holds a mesh CA.
@Suite struct MeshSurfaceTests {
    @Test func adminMCPAndHealthReportTheMesh() async throws {
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        try #require(FileManager.default.fileExists(atPath: binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let initialised = try await Subprocess.run([binary, "ca", "init", "--data-dir", dir], environment: ["PATH": "/usr/bin:/bin"])
        try #require(initialised.status == 0, "\(initialised.stderr)")
        try await TestNode.run(dataDirectory: dir) { node in
            let me = node.node.identity.nodeID
            #expect(try await Curl.request("\(node.baseURL)/v1/admin/mesh").status == 401)
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"email":"\#(admin.email)","password":"\#(admin.password)"}"#)
            let token = try #require(login.json?["token"]?.stringValue)
            let auth = ["Authorization": "Bearer \(token)"]
            let mesh = try await Curl.request("\(node.baseURL)/v1/admin/mesh", headers: auth)
            #expect(mesh.status == 200 && mesh.json?["self"]?.stringValue == me, "\(mesh.body)")
            let member = mesh.json?["members"]?[0]
            #expect(member?["id"]?.stringValue == me && member?["state"] == "alive" && member?["incarnation"] != nil)
            #expect(member?["version"]?.stringValue == TriForceVersion.current && member?["since"]?.doubleValue != nil)

            let stats = try await Curl.request("\(node.baseURL)/v1/mcp", method: "POST",
                                               headers: auth.merging(["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]) { $1 },
                                               body: #"{"jsonrpc":"2.0","id":3,"method":"mesh/stats"}"#)
            #expect(stats.json?["result"]?["self"]?.stringValue == me, "\(stats.body)")
            #expect(stats.json?["result"]?["states"]?["alive"] == 1 && stats.json?["result"]?["nodes"] == 1)

            let health = try await Curl.request("\(node.baseURL)/health")
            #expect(health.json?["checks"]?["mesh"]?["detail"]?.stringValue == "1/1 members online, 0 linked", "\(health.body)")
        }
    }
}
