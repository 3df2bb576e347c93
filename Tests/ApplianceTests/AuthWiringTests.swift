import Testing
import TestSupport
import Net
import Auth
import FoundationEssentials
@testable import Appliance

/// The auth layer wired into the real node: middleware order, trusted proxies, and the
/// `user`, `key`, `tier` and `init` subcommands run as the real binary.
@Suite struct AuthWiringTests {
    @Test func nodeAuthenticatesAndHonoursTrustedProxies() async throws {
        try await TestNode.run(flags: [.trustedProxies: "127.0.0.1"]) { node in
            let guest = try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["X-Forwarded-For": "198.51.100.7"])
            #expect(guest.status == 200)
            #expect(guest.json?["subject"] == "guest:198.51.100.7")
            #expect(guest.json?["tier"] == "guest")
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"email":"\#(admin.email)","password":"\#(admin.password)"}"#)
            #expect(login.status == 200)
            let token = try #require(login.json?["token"]?.stringValue)
            let me = try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(me.json?["user"]?["role"] == "admin")
            #expect(try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["Authorization": "Bearer junk"]).status == 401)
            #expect(try await Curl.request("\(node.baseURL)/health", headers: ["Authorization": "Bearer junk"]).status == 200)
        }
        try await TestNode.run { node in
            let guest = try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["X-Forwarded-For": "198.51.100.7"])
            #expect(guest.json?["subject"] == "guest:127.0.0.1")
        }
    }

    @Test func cliManagesUsersKeysAndTiers() async throws {
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        try #require(FileManager.default.fileExists(atPath: binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        func triforce(_ args: String..., input: String? = nil) async throws -> Subprocess.Output {
            try await Subprocess.run([binary] + args + ["--data-dir", dir], input: input, environment: ["PATH": "/usr/bin:/bin"])
        }
        let initOut = try await triforce("init", "--admin-email", "Root@Example.com")
        #expect(initOut.status == 0)
        #expect(initOut.stdout.contains("admin:     root@example.com"))
        #expect(initOut.stdout.contains("password:  "))
        #expect(!(try await triforce("init")).stdout.contains("password:"))

        let add = try await triforce("user", "add", "bob@example.com", "--tier", "pro")
        #expect(add.status == 0 && add.stdout.contains("password: "))
        #expect(try await triforce("user", "add", "eve@example.com", "--password-stdin", input: "eve's password\n").status == 0)
        #expect(try await triforce("user", "add", "bob@example.com").status != 0)
        let list = try await triforce("user", "list")
        #expect(list.stdout.contains("bob@example.com") && list.stdout.contains("eve@example.com") && list.stdout.contains("admin"))
        #expect(try await triforce("user", "set-tier", "eve@example.com", "unlimited").status == 0)
        #expect(try await triforce("user", "passwd", "eve@example.com", input: "new password!\n").status == 0)

        let key = try await triforce("key", "create", "bob@example.com", "--name", "ci")
        #expect(key.status == 0 && key.stdout.hasPrefix("tf_"))
        let keys = try await triforce("key", "list")
        let keyID = try #require(keys.stdout.split(separator: " ").first.map(String.init))
        #expect(!keys.stdout.contains(key.stdout.trimmed()))
        #expect(try await triforce("key", "revoke", keyID).status == 0)
        #expect(try await triforce("key", "list").stdout.contains("revoked"))

        #expect(try await triforce("tier", "set", "pro", "--rph", "5", "--models-rule", #"{"all":true}"#).status == 0)
        #expect(try await triforce("tier", "list").stdout.contains("rph=5"))
        #expect(try await triforce("tier", "set", "pro", "--models-rule", "{not json").status != 0)

        #expect(try await triforce("user", "disable", "bob@example.com").status == 0)
        #expect(try await triforce("user", "list").stdout.contains("disabled"))
        #expect(try await triforce("user", "delete", "bob@example.com").status == 0)
        #expect(!(try await triforce("user", "list")).stdout.contains("bob@example.com"))
    }
}
