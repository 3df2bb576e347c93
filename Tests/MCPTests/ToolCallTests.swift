import Core
import Testing
import MCP
import Net
import Storage
import Glibc
import FoundationEssentials
import TestSupport

@Suite("MCP tool calls: validation, gating, audit, cancellation, progress")
struct ToolCallTests {
    @Test func badArgumentsAreToolErrors() async throws {
        try await MCPTestServer.run { server in
            let missing = try await server.call("echo", [:])
            #expect(missing.toolIsError)
            #expect(missing.toolText.contains("arguments.message is required"))
            let wrongType = try await server.call("echo", ["message": 5])
            #expect(wrongType.toolText.contains("must be string"))
            let extra = try await server.call("echo", ["message": "x", "colour": "red"])
            #expect(extra.toolText.contains("colour is not a known property"))
            let tooLong = try await server.call("echo", ["message": .string(String(repeating: "x", count: 101))])
            #expect(tooLong.toolText.contains("at most 100 characters"))
            let badEnum = try await server.call("memory_store", ["content": "x", "type": "gossip"])
            #expect(badEnum.toolText.contains("must be one of"))
            let range = try await server.call("memory_store", ["content": "x", "confidence": 2])
            #expect(range.toolText.contains("at most 1"))
        }
    }

    @Test func tierGatingAndShellAdminOnly() async throws {
        try await MCPTestServer.run { server in
            let guest = try await server.call("shell", ["argv": ["echo", "hi"]], user: nil)
            #expect(guest.toolIsError)
            #expect(guest.toolText.contains("permission denied"))
            let pro = try await server.call("shell", ["argv": ["echo", "hi"]], user: "p:pro")
            #expect(pro.toolIsError)
            let proWrite = try await server.call("file_write", ["path": "a.txt", "content": "x"], user: "p:pro")
            #expect(proWrite.toolText.contains("permission denied"))
            let proRead = try await server.call("file_list", [:], user: "p:pro")
            #expect(!proRead.toolIsError)
            let admin = try await server.call("shell", ["argv": ["echo", "hi"]])
            #expect(admin.toolText.trimmed() == "hi")
            #expect(admin["result"]?["structuredContent"]?["exit_code"] == 0)
            // Every call is audited with a digest, never the arguments.
            let audit = try await AuditStore(database: server.database).recent(limit: 20, action: "mcp.tool")
            let shellRows = audit.filter { $0.target == "shell" }
            #expect(shellRows.count == 3)
            #expect(shellRows.contains { $0.actor == "guest:127.0.0.1" && $0.outcome.hasPrefix("error") })
            #expect(shellRows.allSatisfy { $0.detail.hasPrefix("sha256:") && $0.detail.count == 71 && !$0.detail.contains("echo") })
        }
    }

    @Test func shellEnvironmentIsScrubbedAndTimesOut() async throws {
        try await MCPTestServer.run { server in
            let env = try await server.call("shell", ["command": "env | sort; pwd"])
            let lines = env.toolText.split(separator: "\n").map(String.init)
            let names: [String] = lines.filter { $0.contains("=") }.map { String($0.prefix { $0 != "=" }) }
            let allowed: Set<String> = ["PATH", "HOME", "LANG", "PWD", "SHLVL", "_", "OLDPWD"]
            #expect(Set(names).isSubset(of: allowed), "\(names)")
            #expect(names.contains("PATH") && names.contains("LANG"))
            #expect(lines.last == server.workspace.root)
            let slow = try await server.call("shell", ["command": "sleep 20", "timeout_seconds": 1])
            #expect(slow.toolIsError)
            #expect(slow["result"]?["structuredContent"]?["timed_out"] == true)
        }
    }

    @Test func cancelledNotificationStopsRunningShell() async throws {
        try await MCPTestServer.run { server in
            let session = try await server.initialize(user: "root:admin:admin")
            let marker = "sleep 30.\(UInt32.random(in: 100_000...999_999))"
            let started = ContinuousClock.now
            async let call = server.post(["jsonrpc": "2.0", "id": 42, "method": "tools/call",
                                          "params": ["name": "shell", "arguments": ["command": .string("\(marker); echo not-cancelled")]]],
                                         session: session, user: "root:admin:admin", headers: ["MCP-Protocol-Version": "2025-11-25"])
            // Wait until the process exists, then cancel it from another exchange.
            var seen = false
            for _ in 0..<100 where !seen {
                try await Task.sleep(for: .milliseconds(100))
                seen = try await Subprocess.run(["pgrep", "-f", marker]).status == 0
            }
            #expect(seen)
            let cancel = try await server.post(["jsonrpc": "2.0", "method": "notifications/cancelled",
                                                "params": ["requestId": 42, "reason": "test"]],
                                               session: session, user: "root:admin:admin", headers: ["MCP-Protocol-Version": "2025-11-25"])
            #expect(cancel.status == 202)
            let reply = try await call
            #expect(ContinuousClock.now - started < .seconds(25))
            #expect(reply.json?.toolText.contains("cancelled") == true)
            #expect(try await Subprocess.run(["pgrep", "-f", marker]).status != 0)
        }
    }

    @Test func progressNotificationsStreamOverSSE() async throws {
        let slow = ClosureTool(name: "slow", description: "Reports progress.", feature: .chat, annotations: .readOnlyLocal,
                               schema: InputSchema.object([:])) { _, context in
            for step in 1...3 { await context.progress(Double(step), 3, "step \(step)") }
            return .text("done")
        }
        try await MCPTestServer.run(extraTools: [slow]) { server in
            let response = try await server.post(["jsonrpc": "2.0", "id": 5, "method": "tools/call",
                                                  "params": ["name": "slow", "arguments": [:], "_meta": ["progressToken": "tok"]]])
            #expect(response.headers["content-type"] == "text/event-stream")
            let events = response.body.split(separator: "\n").filter { $0.hasPrefix("data: ") }
                .compactMap { JSONValue.parse(String($0.dropFirst(6))) }
            let progress = events.filter { $0["method"] == "notifications/progress" }
            #expect(progress.count == 3)
            #expect(progress.first?["params"]?["progressToken"] == "tok")
            #expect(events.last?.toolText == "done")
            // Without a token and with JSON accepted, the same call is plain JSON.
            let plain = try await server.post(["jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": ["name": "slow"]])
            #expect(plain.headers["content-type"] == "application/json")
            // SSE-only clients get SSE.
            let sse = try await server.post(["jsonrpc": "2.0", "id": 7, "method": "ping"], accept: "text/event-stream")
            #expect(sse.body.contains("event: message"))
        }
    }
}
