import Testing
import TestSupport
import Net
import Storage
@testable import Appliance

/// The HTTP skeleton through a real server and a real client (curl).
@Suite struct HTTPSurfaceTests {
    @Test func healthReportsRealChecks() async throws {
        try await TestNode.run { node in
            let response = try await Curl.request("\(node.baseURL)/health")
            #expect(response.status == 200)
            let json = try #require(response.json)
            #expect(json["status"] == "ok")
            #expect(json["node_id"]?.stringValue == node.node.identity.nodeID)
            #expect(json["version"]?.stringValue == TriForceVersion.current)
            #expect(json["checks"]?["database"]?["status"] == "ok")
            #expect(json["checks"]?["migrations"]?["status"] == "ok")
            #expect((json["uptime_seconds"]?.doubleValue ?? -1) >= 0)
            let live = try await Curl.request("\(node.baseURL)/healthz")
            #expect(live.status == 200)
            // Encoded once at start-up, shared by every response: still exactly this JSON.
            #expect(live.body == #"{"status":"ok"}"#)
            #expect(live.headers["content-type"] == "application/json; charset=utf-8")
            let again = try await Curl.request("\(node.baseURL)/healthz")
            #expect(again.body == live.body)
        }
    }

    /// `Expect: 100-continue` (curl sends it with bodies over 1 MB) gets its interim answer at
    /// once. Without it curl would wait out `--expect100-timeout` (50 s here, 1 s by default)
    /// and send the body anyway, and its output would have no 100 block.
    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        try await TestNode.run { node in
            let output = try await Subprocess.run(
                ["curl", "-sS", "-i", "--max-time", "60", "--expect100-timeout", "50", "-H", "Expect: 100-continue",
                 "-H", "Content-Type: application/json", "--data-binary", "@-", "\(node.baseURL)/v1/client/login"],
                input: #"{"email":"nobody@example.com","password":"not-the-password"}"#)
            #expect(output.stdout.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n"), "\(output.stdout.prefix(200))")
            #expect(Curl.parse(output.stdout).status == 401, "\(output.stdout.prefix(400))")
        }
    }

    @Test func healthFailsWith503WhenDatabaseIsGone() async throws {
        try await TestNode.run { node in
            await node.node.database.close()
            let response = try await Curl.request("\(node.baseURL)/health")
            #expect(response.status == 503)
            #expect(response.json?["status"] == "fail")
        }
    }

    @Test func modelsIsAnOpenAIList() async throws {
        try await TestNode.run { node in
            let response = try await Curl.request("\(node.baseURL)/v1/models")
            #expect(response.status == 200)
            #expect(response.json?["object"] == "list")
            #expect(response.json?["data"]?.arrayValue != nil)
        }
    }

    @Test func unknownRouteIs404JSON() async throws {
        try await TestNode.run { node in
            let response = try await Curl.request("\(node.baseURL)/no/such/thing")
            #expect(response.status == 404)
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(response.json?["error"]?["code"] == "not_found")
            #expect(response.json?["error"]?["type"] == "invalid_request_error")
            #expect(response.json?["error"]?["message"]?.stringValue?.contains("/no/such/thing") == true)
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await TestNode.run { node in
            let response = try await Curl.request("\(node.baseURL)/health", method: "DELETE")
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET")
            #expect(response.json?["error"]?["code"] == "method_not_allowed")
        }
    }

    @Test func bodyOverLimitIs413() async throws {
        try await TestNode.run(flags: [.maxBodyBytes: "2048"]) { node in
            let response = try await Curl.request("\(node.baseURL)/v1/models", method: "POST",
                                                  headers: ["Content-Type": "application/json"],
                                                  body: String(repeating: "x", count: 5000))
            #expect(response.status == 413)
            #expect(response.json?["error"]?["code"] == "body_too_large")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await TestNode.run { node in
            let response = try await Curl.request("\(node.baseURL)/healthz", headers: ["X-Request-ID": "abc-123"])
            #expect(response.headers["x-request-id"] == "abc-123")
            let injected = try await Curl.request("\(node.baseURL)/healthz", headers: ["X-Request-ID": "bad id\twith tab"])
            #expect(injected.headers["x-request-id"] != "bad id\twith tab")
            #expect(injected.headers["x-request-id"]?.isEmpty == false)
        }
    }
}
