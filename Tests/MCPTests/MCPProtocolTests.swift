import Testing
import MCP
import Net
import FoundationEssentials
import TestSupport

@Suite("MCP protocol over Streamable HTTP")
struct MCPProtocolTests {
    @Test func initializeNegotiatesVersionsAndBindsSession() async throws {
        try await MCPTestServer.run { server in
            for (asked, expected) in [("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"), ("2025-06-18", "2025-06-18"),
                                      ("2025-11-25", "2025-11-25"), ("2099-01-01", "2025-11-25"), ("2026-07-28", "2025-11-25")] {
                let response = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "initialize",
                                                      "params": ["protocolVersion": .string(asked), "capabilities": [:],
                                                                 "clientInfo": ["name": "t", "version": "1"]]])
                #expect(response.status == 200)
                #expect(response.json?["result"]?["protocolVersion"]?.stringValue == expected)
                #expect(response.json?["result"]?["capabilities"]?["tools"] != nil)
                #expect(response.headers["mcp-session-id"] != nil)
            }
            // A session presented by another caller does not exist for them.
            let session = try await server.initialize(user: "alice:pro")
            let ping: JSONValue = ["jsonrpc": "2.0", "id": 2, "method": "ping"]
            #expect(try await server.post(ping, session: session, user: "alice:pro").json?["result"] == [:])
            #expect(try await server.post(ping, session: session, user: "bob:pro").status == 404)
            #expect(try await server.post(ping, session: "no-such-session").status == 404)
            // Version header: unsupported 400, mismatching the session 400.
            #expect(try await server.post(ping, session: session, user: "alice:pro", headers: ["MCP-Protocol-Version": "1999-01-01"]).status == 400)
            #expect(try await server.post(ping, session: session, user: "alice:pro", headers: ["MCP-Protocol-Version": "2025-06-18"]).status == 400)
            // DELETE ends it; afterwards it is gone.
            let deleted = try await Curl.request(server.url, method: "DELETE", headers: ["Mcp-Session-Id": session, "X-Test-User": "alice:pro"])
            #expect(deleted.status == 200)
            #expect(try await server.post(ping, session: session, user: "alice:pro").status == 404)
            // GET: no server-initiated stream.
            #expect(try await Curl.request(server.url, headers: ["Accept": "text/event-stream"]).status == 405)
        }
    }

    @Test func plainPostsWithoutHandshakeAndBareMethods() async throws {
        try await MCPTestServer.run { server in
            // The seed's curl style: no Accept, no session.
            let list = try await Curl.request(server.url, method: "POST", headers: ["Content-Type": "application/json"],
                                              body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
            #expect(list.status == 200)
            #expect(list.json?["result"]?["tools"]?.arrayValue?.isEmpty == false)
            let call = try await Curl.request(server.url, method: "POST", headers: ["Content-Type": "application/json"],
                                              body: #"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}"#)
            #expect(call.json?.toolText == "hi")
            #expect(call.json?["id"] == "a")
            let status = try await server.post(["jsonrpc": "2.0", "id": 3, "method": "status"])
            #expect(status.json?["result"]?["status"] == "ok")
            let mesh = try await server.post(["jsonrpc": "2.0", "id": 4, "method": "mesh/stats"])
            #expect(mesh.json?["result"]?["nodes"] == 1)
            // A notification alone is accepted with no body.
            #expect(try await server.post(["jsonrpc": "2.0", "method": "notifications/initialized"]).status == 202)
        }
    }

    @Test func jsonRPCErrors() async throws {
        try await MCPTestServer.run { server in
            let parse = try await Curl.request(server.url, method: "POST", headers: ["Content-Type": "application/json"], body: "{nope")
            #expect(parse.status == 400)
            #expect(parse.json?["error"]?["code"] == -32700)
            let invalid = try await Curl.request(server.url, method: "POST", body: #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)
            #expect(invalid.json?["error"]?["code"] == -32600)
            let unknown = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "no/such"])
            #expect(unknown.json?["error"]?["code"] == -32601)
            let unknownTool = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "nope"]])
            #expect(unknownTool.json?["error"]?["code"] == -32602)
            let badCursor = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": ["cursor": "forged"]])
            #expect(badCursor.json?["error"]?["code"] == -32602)
            // Batches: only in 2025-03-26.
            let batch: JSONValue = [["jsonrpc": "2.0", "id": 1, "method": "ping"], ["jsonrpc": "2.0", "id": 2, "method": "ping"]]
            let modern = try await server.post(batch, headers: ["MCP-Protocol-Version": "2025-06-18"])
            #expect(modern.status == 400)
            let legacy = try await server.post(batch, headers: ["MCP-Protocol-Version": "2025-03-26"])
            #expect(legacy.json?.arrayValue?.count == 2)
            // A batch's limits: 64 messages, and requests past 8 MiB of replies are not run.
            let ping: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "ping"]
            let long = try await server.post(.array(Array(repeating: ping, count: 65)), headers: ["MCP-Protocol-Version": "2025-03-26"])
            #expect(long.status == 400 && long.json?["error"]?["message"]?.stringValue?.contains("at most 64") == true)
            _ = try await server.call("file_write", ["path": "big.txt", "content": .string(String(repeating: "x", count: 1 << 20))])
            let reads: [JSONValue] = (1...12).map { id in
                ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": "tools/call",
                 "params": ["name": "file_read", "arguments": ["path": "big.txt"]]]
            }
            let heavy = try await server.post(.array(reads), user: "admin:admin:admin", headers: ["MCP-Protocol-Version": "2025-03-26"])
            let answers = heavy.json?.arrayValue ?? []
            #expect(answers.count == 12)
            let refused = answers.filter { $0["error"]?["message"]?.stringValue?.contains("not run") == true }
            // Eight replies of just over 1 MiB each pass the budget: the last four are not run.
            #expect(refused.map { $0["id"] ?? .null } == [9, 10, 11, 12], "\(refused.map { $0["id"] ?? .null })")
            #expect(try await server.post(["jsonrpc": "2.0", "id": 1, "method": "ping"], accept: "text/html").status == 406)
        }
    }

    @Test func paginationWalksEveryToolOnce() async throws {
        try await MCPTestServer.run(pageSize: 3) { server in
            var names: [String] = []
            var cursor: JSONValue? = nil
            var pages = 0
            repeat {
                var params: [String: JSONValue] = [:]
                if let cursor { params["cursor"] = cursor }
                let page = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": .object(params)],
                                                 user: "root:admin:admin").json
                let tools = page?["result"]?["tools"]?.arrayValue ?? []
                #expect(tools.count <= 3)
                for tool in tools {
                    names.append(tool["name"]?.stringValue ?? "")
                    #expect(tool["inputSchema"]?["type"] == "object")
                    #expect(tool["annotations"]?["readOnlyHint"]?.boolValue != nil)
                }
                cursor = page?["result"]?["nextCursor"]
                pages += 1
            } while cursor != nil && pages < 50
            #expect(names.count == Set(names).count)
            #expect(names.contains("shell") && names.contains("memory_store") && names.contains("code_patch"))
            #expect(pages >= 4)
            // A guest sees only what its tier allows.
            let guest = try await server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/list"]).json
            let guestNames = guest?["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(guestNames == ["echo"])
        }
    }

    @Test func sameIDFromTwoClientsGetsTwoAnswers() async throws {
        try await MCPTestServer.run { server in
            async let a = server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                       "params": ["name": "shell", "arguments": ["command": "sleep 0.3; echo from-a"]]], user: "root:admin:admin")
            async let b = server.post(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                       "params": ["name": "echo", "arguments": ["message": "from-b"]]], user: "root:admin:admin")
            let (ra, rb) = try await (a, b)
            #expect(ra.json?.toolText.trimmed() == "from-a")
            #expect(rb.json?.toolText == "from-b")
        }
    }

    @Test func originAndHostValidation() async throws {
        try await MCPTestServer.run(allowedOrigins: ["https://app.example.com"]) { server in
            let ping: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "ping"]
            let cases: [(header: String, value: String, status: Int)] = [
                ("Origin", "https://evil.example", 403), ("Origin", "http://localhost:5173", 200),
                ("Origin", "http://127.0.0.1", 200), ("Origin", "http://[::1]:8080", 200),
                ("Origin", "https://app.example.com", 200), ("Origin", "http://localhost.evil.example", 403),
                ("Host", "rebound.example.com", 403),
            ]
            for item in cases {
                let response = try await server.post(ping, headers: [item.header: item.value])
                #expect(response.status == item.status, "\(item.header): \(item.value)")
            }
        }
    }

    @Test func statelessRevisionAndDiscover() async throws {
        try await MCPTestServer.run { server in
            let meta: JSONValue = ["io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:]]
            let discover = try await server.post(["jsonrpc": "2.0", "id": "d", "method": "server/discover", "params": ["_meta": meta]],
                                                 headers: ["MCP-Protocol-Version": "2026-07-28"])
            #expect(discover.json?["result"]?["supportedVersions"]?.arrayValue?.contains("2026-07-28") == true)
            #expect(discover.json?["result"]?["resultType"] == "complete")
            let call = try await server.post(["jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                              "params": ["name": "echo", "arguments": ["message": "x"], "_meta": meta]],
                                             headers: ["MCP-Protocol-Version": "2026-07-28"])
            #expect(call.json?.toolText == "x")
            let unsupported = try await server.post(["jsonrpc": "2.0", "id": 3, "method": "tools/list",
                                                     "params": ["_meta": ["io.modelcontextprotocol/protocolVersion": "2030-01-01"]]])
            #expect(unsupported.status == 400)
        }
    }
}
