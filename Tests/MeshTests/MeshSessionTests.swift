import Logging
@testable import Mesh
import Net
import Synchronization
import Testing

/// The JSON-RPC surface of a mesh connection and the link table, on a real `MeshService`
/// with closure transports (no sockets).
@Suite("Mesh session and links")
struct MeshSessionTests {
    static func service(_ id: String = "node-b") -> MeshService {
        MeshService(configuration: MeshConfiguration(
            nodeID: id, listenHost: "127.0.0.1", listenPort: 44433, advertisedHost: "127.0.0.1", apiAddress: "127.0.0.1:9000",
            version: "test", startedAt: 0, peers: [], timing: .init(), files: MeshFiles(dataDirectory: "/nonexistent"),
            idleTimeout: .seconds(30)), client: nil, logger: Logger(label: "test"))
    }

    /// A transport that records what is sent on it.
    final class Recorder: Sendable {
        let frames = Mutex<[String]>([])
        let closed = Atomic<Bool>(false)
        func transport(_ peer: String) -> ClosureTransport {
            ClosureTransport(peerID: peer, send: { text in self.frames.withLock { $0.append(text) }; return true },
                             close: { self.closed.store(true, ordering: .relaxed) })
        }
        var replies: [JSONValue] { frames.withLock { $0 }.compactMap(JSONValue.parse) }
        var last: JSONValue? { replies.last }
    }

    @Test func errorsCarryTheRequestIDAndTheRightCode() async {
        let service = Self.service()
        let recorder = Recorder()
        let session = MeshSession(service: service, caller: .client("cli"), transport: recorder.transport("-"))
        #expect(await session.received(#"{"jsonrpc":"2.0","id":"a","method":"x/y"}"#))
        #expect(recorder.last?["id"] == "a" && recorder.last?["error"]?["code"] == -32601)
        await session.received("{oops")
        #expect(recorder.last?["id"] == .null && recorder.last?["error"]?["code"] == -32700)
        await session.received(#"{"id":5,"method":"ping"}"#)
        #expect(recorder.last?["id"] == 5 && recorder.last?["error"]?["code"] == -32600)
        await session.received(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        #expect(recorder.last?["error"]?["code"] == -32600)
        let before = recorder.replies.count
        await session.received(#"{"jsonrpc":"2.0","method":"whatever"}"#)
        #expect(recorder.replies.count == before, "a notification gets no reply")
        await session.received(#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#)
        #expect(recorder.last?["result"]?["node_id"] == "node-b")
        await session.received(#"{"jsonrpc":"2.0","id":8,"method":"mesh/stats"}"#)
        #expect(recorder.last?["result"]?["nodes"] == 1 && recorder.last?["result"]?["self"] == "node-b")
        await session.received(#"{"jsonrpc":"2.0","id":9,"method":"mesh/nodes"}"#)
        #expect(recorder.last?["result"]?["members"]?[0]?["id"] == "node-b")
        await session.received(#"{"jsonrpc":"2.0","id":10,"method":"join/request","params":{}}"#)
        #expect(recorder.last?["error"]?["code"] == -32003, "no CA key here: refused, clearly")
    }

    @Test func withoutACertificateOnlyJoinIsServed() async {
        let recorder = Recorder()
        let session = MeshSession(service: Self.service(), caller: .anonymous, transport: recorder.transport("-"))
        #expect(await !session.received(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#), "the connection closes")
        #expect(recorder.last?["error"]?["code"] == -32000 && recorder.last?["id"] == 1)
        #expect(await !session.received(#"{"jsonrpc":"2.0","id":2,"method":"join/request","params":{}}"#))
        #expect(recorder.last?["error"]?["message"]?.stringValue?.contains("CA key") == true)
        // Membership traffic from an anonymous caller is ignored.
        #expect(await session.received(SwimMessage.ping(seq: 1, gossip: []).notification.jsonText))
        #expect(recorder.replies.count == 2)
    }

    @Test func membersPingAndGetAcks() async {
        let service = Self.service()
        let recorder = Recorder()
        let transport = recorder.transport("node-a")
        #expect(await service.linkOpened(transport, outbound: false, serial: "01") != nil)
        #expect(recorder.last?["method"] == "mesh/sync", "a full state exchange on link open")
        let session = MeshSession(service: service, caller: .member("node-a"), transport: transport)
        await session.received(SwimMessage.ping(seq: 42, gossip: []).notification.jsonText)
        #expect(recorder.last?["method"] == "mesh/ack" && recorder.last?["params"]?["seq"] == 42)
    }

    @Test func oneLinkPerPairTheSmallerIDsDialWins() async {
        // We are node-b; node-a < node-b, so the link node-a dialed (inbound here) is canonical.
        let service = Self.service("node-b")
        let outbound = Recorder(), inbound = Recorder()
        let first = await service.linkOpened(outbound.transport("node-a"), outbound: true, serial: nil)
        #expect(first != nil)
        let second = await service.linkOpened(inbound.transport("node-a"), outbound: false, serial: nil)
        #expect(second != nil && outbound.closed.load(ordering: .relaxed), "the canonical link replaces ours")
        let third = await service.linkOpened(Recorder().transport("node-a"), outbound: true, serial: nil)
        #expect(third == nil, "a non-canonical duplicate is refused")
        // The replaced link's close is ignored; the live one's is not.
        await service.linkClosed("node-a", token: first!)
        #expect(await service.stats()["links"] == 1)
        #expect(await service.linkOpened(Recorder().transport("node-b"), outbound: false, serial: nil) == nil, "not to ourselves")
        await service.revoked(["bad"])
        #expect(await service.linkOpened(Recorder().transport("node-c"), outbound: false, serial: "bad") == nil, "revoked")
    }
}
