import Testing
@testable import MCP
import Net
import FoundationEssentials

@Suite("JSON-RPC codec, schema validator, digests, guards")
struct CodecTests {
    @Test func decodesEveryMessageKind() throws {
        #expect(try JSONRPCMessage.decode(["jsonrpc": "2.0", "id": 1, "method": "ping"]).get() == .request(id: 1, method: "ping", params: nil))
        #expect(try JSONRPCMessage.decode(["jsonrpc": "2.0", "id": "x", "method": "a", "params": ["k": 1]]).get()
                == .request(id: "x", method: "a", params: ["k": 1]))
        #expect(try JSONRPCMessage.decode(["jsonrpc": "2.0", "method": "n"]).get() == .notification(method: "n", params: nil))
        #expect(try JSONRPCMessage.decode(["jsonrpc": "2.0", "id": 3, "result": [:]]).get() == .response(id: 3, result: [:], error: nil))
        for bad: JSONValue in [["id": 1, "method": "m"], ["jsonrpc": "2.0", "id": 1, "method": 5], ["jsonrpc": "2.0", "id": [1], "method": "m"],
                               ["jsonrpc": "2.0", "id": 1, "method": "m", "params": "s"], "text", ["jsonrpc": "2.0", "id": 1]] {
            guard case .failure(let invalid) = JSONRPCMessage.decode(bad) else { Issue.record("accepted \(bad)"); continue }
            #expect(invalid.error.code == -32600)
        }
        // Ids beyond Int64 are refused, not trapped on (a guest crashed the server with 1e300).
        for text in [#"{"jsonrpc":"2.0","id":1e300,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":1e19,"method":"ping"}"#,
                     #"{"jsonrpc":"2.0","id":-1e19,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}"#] {
            guard case .single(.failure(let invalid)) = JSONRPCBody.decode(Data(text.utf8)) else { Issue.record("accepted \(text)"); continue }
            #expect(invalid.error.code == -32600 && invalid.id == .null)
        }
        #expect(try JSONRPCMessage.decode(["jsonrpc": "2.0", "id": .double(9.0e15), "method": "ping"]).get() == .request(id: 9_000_000_000_000_000, method: "ping", params: nil))
        guard case .unusable(let error) = JSONRPCBody.decode(Data("[".utf8)) else { Issue.record("parsed"); return }
        #expect(error.code == -32700)
        guard case .unusable(let empty) = JSONRPCBody.decode(Data("[]".utf8)) else { Issue.record("empty batch"); return }
        #expect(empty.code == -32600)
    }

    @Test func versionNegotiation() {
        #expect(ProtocolVersion.negotiate("2024-11-05") == "2024-11-05")
        #expect(ProtocolVersion.negotiate("1.0") == "2025-11-25")
        #expect(ProtocolVersion.negotiate(nil) == "2025-11-25")
        #expect(ProtocolVersion.allowsBatch("2025-03-26") && !ProtocolVersion.allowsBatch("2025-06-18"))
    }

    @Test func schemaValidatorSubset() {
        let schema = InputSchema.object([
            "name": InputSchema.string("n", minLength: 2, maxLength: 4),
            "count": InputSchema.integer("c", minimum: 1, maximum: 3),
            "kind": InputSchema.string("k", enum: ["a", "b"]),
            "tags": InputSchema.array("t", items: InputSchema.string("tag"), maxItems: 2),
        ], required: ["name"])
        #expect(SchemaValidator.validate(["name": "abc", "count": 2, "kind": "a", "tags": ["x"]], against: schema).isEmpty)
        #expect(SchemaValidator.validate(["name": "abc", "count": 2.0], against: schema).isEmpty)
        let problems = SchemaValidator.validate(["name": "a", "count": 9, "kind": "z", "tags": ["x", 1, "y"], "more": true], against: schema)
        #expect(problems.count == 6, "\(problems)")
        #expect(SchemaValidator.validate(["count": 1.5], against: schema).contains { $0.contains("must be integer") })
        #expect(SchemaValidator.validate("str", against: schema) == ["arguments must be object, got string"])
        #expect(SchemaValidator.validate(["name": "ab", "count": true], against: schema).contains { $0.contains("must be integer, got boolean") })
    }

    @Test func ssrfGuardRanges() {
        let guardian = SSRFGuard()
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                        "0.0.0.0", "224.0.0.1", "::1", "::", "fc00::1", "fd12::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "not-an-ip"] {
            #expect(!guardian.allows(address), "\(address)")
        }
        for address in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111"] {
            #expect(guardian.allows(address), "\(address)")
        }
        let allowing = SSRFGuard(allowlist: ["127.0.0.2", "10.0.0.0/8"])
        #expect(allowing.allows("127.0.0.2") && allowing.allows("10.9.9.9") && !allowing.allows("127.0.0.1"))
    }

    @Test func originPolicy() {
        let policy = OriginPolicy(allowedOrigins: ["https://Example.com/"], loopbackOnly: true)
        #expect(policy.allowsOrigin(nil))
        #expect(policy.allowsOrigin("https://example.com"))
        #expect(policy.allowsOrigin("http://localhost:3000") && policy.allowsOrigin("https://127.0.0.1") && policy.allowsOrigin("http://[::1]:9"))
        #expect(!policy.allowsOrigin("http://localhost.attacker.com") && !policy.allowsOrigin("null") && !policy.allowsOrigin("http://127.0.0.1.nip.io"))
        #expect(policy.allowsHost("127.0.0.1:9000") && policy.allowsHost("localhost") && policy.allowsHost("[::1]:80"))
        #expect(!policy.allowsHost("attacker.com") && !policy.allowsHost(nil))
        #expect(OriginPolicy(loopbackOnly: false).allowsHost("anything.example"))
    }

    @Test func htmlText() {
        let page = HTMLText("<html><head><title>T &amp; U</title><style>x{}</style></head><body><p>Hello <b>world</b></p><script>evil()</script><a href='/next'>n</a><!-- c --></body></html>")
        #expect(page.title == "T & U")
        #expect(page.text == "Hello world\nn")
        #expect(page.links == ["/next"])
    }

    /// Letters that grow when lowercased ("İ" is two bytes, "i̇" three) before an attribute:
    /// an index taken from a lowercased copy ran past the tag and trapped the server.
    @Test func htmlAttributesAfterLettersThatGrowWhenLowercased() {
        let page = HTMLText("<a İİİİİİİİİİhref=x>1</a><a ȺȺȺ HREF=\"/y\">2</a><a title=\"İ\" Href='/z'>3</a><a İİİİ>4</a>")
        #expect(page.links == ["x", "/y", "/z"])
    }
}
