import Core
import Testing
import MCP
import Net
import FoundationEssentials
import TestSupport

/// Hostile and legacy input on /v1/mcp, end to end with real curl (issue 9 items 1, 4, 19).
@Suite("MCP input hardening")
struct MCPInputHardeningTests {
    @Test func idsBeyondInt64AreRefusedAndTheServerLives() async throws {
        try await MCPTestServer.run { server in
            for id in ["1e300", "1e19", "-1e19", "9223372036854775808", "-9223372036854775809"] {
                // As a guest: no X-Test-User header.
                let response = try await Curl.request(server.url, method: "POST", headers: ["Content-Type": "application/json"],
                                                      body: #"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#)
                #expect(response.json?["error"]?["code"] == -32600, "id \(id): \(response.status) \(response.body)")
                #expect(response.json?["id"] == .null)
            }
            let alive = try await server.post(["jsonrpc": "2.0", "id": 9_223_372_036_854_775_807, "method": "ping"])
            #expect(alive.status == 200 && alive.json?["result"] == [:])
            #expect(alive.json?["id"] == .int(.max))
        }
    }

    @Test func deeplyNestedBodiesAreParseErrors() async throws {
        try await MCPTestServer.run { server in
            let arrays = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let nestedParams = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"#
                + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}}}"
            for body in [arrays, nestedParams] {
                let response = try await Curl.request(server.url, method: "POST", headers: ["Content-Type": "application/json"], body: body)
                #expect(response.status == 400)
                #expect(response.json?["error"]?["code"] == -32700)
                #expect(response.json?["error"]?["message"]?.stringValue?.contains("deeper than 64") == true)
            }
            #expect(try await server.post(["jsonrpc": "2.0", "id": 2, "method": "ping"]).json?["result"] == [:])
        }
    }

    /// The seed README's commands, byte for byte: curl's default form content type, no
    /// `jsonrpc`, and a tool name (`status`) or a server method (`mesh/stats`) as the method.
    @Test func seedReadmeMonitoringCommandsWork() async throws {
        let statusTool = ClosureTool(name: "status", description: "Node status.", feature: .chat, annotations: .readOnlyLocal,
                                     schema: InputSchema.object([:])) { _, _ in .structured(["status": "ok"]) }
        try await MCPTestServer.run(extraTools: [statusTool]) { server in
            let status = try await Subprocess.run(["curl", "-sS", server.url, "-d", #"{"method":"status","id":1}"#])
            let statusReply = try #require(JSONValue.parse(status.stdout), "\(status.stdout)")
            #expect(statusReply["id"] == 1 && statusReply["jsonrpc"] == "2.0")
            #expect(statusReply["result"]?["structuredContent"]?["status"] == "ok", "\(status.stdout)")
            let mesh = try await Subprocess.run(["curl", "-sS", server.url, "-d", #"{"method":"mesh/stats","id":1}"#])
            #expect(JSONValue.parse(mesh.stdout)?["result"]?["nodes"] == 1, "\(mesh.stdout)")
            // A tool with arguments in params; the policy is that of tools/call.
            let echo = try await Subprocess.run(["curl", "-sS", server.url, "-d", #"{"method":"echo","id":2,"params":{"message":"hi"}}"#])
            #expect(JSONValue.parse(echo.stdout)?.toolText == "hi", "\(echo.stdout)")
            let denied = try await Subprocess.run(["curl", "-sS", server.url, "-d", #"{"method":"memory_clear","id":3,"params":{"confirm":true}}"#])
            let deniedReply = JSONValue.parse(denied.stdout)
            let viaToolsCall = try await server.call("memory_clear", ["confirm": true], user: nil)
            #expect(deniedReply?["error"] != nil || deniedReply?.toolIsError == true, "\(denied.stdout)")
            #expect(deniedReply?["error"]?["code"] == viaToolsCall["error"]?["code"])
            #expect(deniedReply?.toolIsError == viaToolsCall.toolIsError)
            // Only the legacy shape is lenient: a wrong jsonrpc is still refused.
            let wrong = try await Subprocess.run(["curl", "-sS", server.url, "-d", #"{"jsonrpc":"1.0","method":"status","id":1}"#])
            #expect(JSONValue.parse(wrong.stdout)?["error"]?["code"] == -32600, "\(wrong.stdout)")
        }
    }

    /// The issue's crash: a pro user's memory_clear with older_than_seconds = Int64.max.
    @Test func memoryClearWithTheLargestAgeAnswers() async throws {
        try await MCPTestServer.run { server in
            let stored = try await server.call("memory_store", ["content": "keep me", "type": "fact"], user: "alice:pro")
            #expect(!stored.toolIsError, "\(stored)")
            let cleared = try await server.call("memory_clear", ["confirm": true, "older_than_seconds": .int(.max)], user: "alice:pro")
            // Refused by the schema's maximum, or (in the store) saturated to "none that old".
            let refused = cleared.toolIsError && cleared.toolText.contains("older_than_seconds")
            #expect(refused || cleared["result"]?["structuredContent"]?["removed"] == 0, "\(cleared)")
            let huge = try await server.call("memory_clear", ["confirm": true, "older_than_seconds": 1e300], user: "alice:pro")
            #expect(huge["result"] != nil || huge["error"] != nil)
            #expect(try await server.post(["jsonrpc": "2.0", "id": 2, "method": "ping"]).json?["result"] == [:])
        }
    }
}
