@testable import Mesh
import Net
import Synchronization
import Testing

/// The request/response seam (`MeshService+Calls.swift`) between two real services joined by
/// in-process links: each direction is an ordered stream read by a `MeshSession`, as a
/// WebSocket link would be.
@Suite("Mesh calls between members")
struct MeshCallTests {
    /// Two services, `node-a` and `node-b`, linked both ways; `cut()` closes the link.
    struct Pair {
        let a: MeshService
        let b: MeshService
        let tasks: [Task<Void, Never>]
        let tokens: (Int, Int)

        static func make() async -> Pair {
            let a = MeshSessionTests.service("node-a"), b = MeshSessionTests.service("node-b")
            let (toB, toBWriter) = AsyncStream.makeStream(of: String.self)
            let (toA, toAWriter) = AsyncStream.makeStream(of: String.self)
            let aToB = ClosureTransport(peerID: "node-b", send: { toBWriter.yield($0); return true }, close: { toBWriter.finish() })
            let bToA = ClosureTransport(peerID: "node-a", send: { toAWriter.yield($0); return true }, close: { toAWriter.finish() })
            let tokenA = await a.linkOpened(aToB, outbound: true, serial: nil)!
            let tokenB = await b.linkOpened(bToA, outbound: false, serial: nil)!
            let readB = Task {
                for await text in toB { await MeshSession(service: b, caller: .member("node-a"), transport: bToA).received(text) }
            }
            let readA = Task {
                for await text in toA { await MeshSession(service: a, caller: .member("node-b"), transport: aToB).received(text) }
            }
            return Pair(a: a, b: b, tasks: [readA, readB], tokens: (tokenA, tokenB))
        }

        func cut() async {
            await a.linkClosed("node-b", token: tokens.0)
            await b.linkClosed("node-a", token: tokens.1)
        }
    }

    @Test func aCallReturnsTheServedResultAndCarriesTheCaller() async throws {
        let pair = await Pair.make()
        await pair.b.serve("test/echo") { params, caller in
            guard case .member(let id) = caller else { return .failure(JSONRPCError(code: -32000, message: "members only")) }
            return .success(["echo": params["word"] ?? .null, "from": .string(id)])
        }
        let reply = try await pair.a.call("node-b", method: "test/echo", params: ["word": "hi"], timeout: .seconds(30))
        #expect(reply == ["echo": "hi", "from": "node-a"])
    }

    @Test func theRemoteErrorCodeComesBack() async {
        let pair = await Pair.make()
        await pair.b.serve("test/refuse") { _, _ in .failure(JSONRPCError(code: -32602, message: "bad argument: n")) }
        await #expect {
            _ = try await pair.a.call("node-b", method: "test/refuse", params: [:], timeout: .seconds(30))
        } throws: { error in
            (error as? MeshError)?.code == .remote(-32602) && (error as? MeshError)?.message.contains("bad argument") == true
        }
        // A method nobody serves is the usual -32601.
        await #expect {
            _ = try await pair.a.call("node-b", method: "test/nothing", params: [:], timeout: .seconds(30))
        } throws: { error in (error as? MeshError)?.code == .remote(-32601) }
    }

    @Test func aSlowHandlerNeitherStallsTheLinkNorOutlivesTheLink() async throws {
        let pair = await Pair.make()
        let release = AsyncStream.makeStream(of: Void.self)
        await pair.b.serve("test/slow") { _, _ in
            for await _ in release.stream { break }
            return .success("late")
        }
        await pair.b.serve("test/fast") { _, _ in .success("fast") }
        let slow = Task { try await pair.a.call("node-b", method: "test/slow", params: [:], timeout: .seconds(600)) }
        // Served while the slow one still runs on the same link.
        #expect(try await pair.a.call("node-b", method: "test/fast", params: [:], timeout: .seconds(30)) == "fast")
        await pair.cut()
        await #expect { _ = try await slow.value } throws: { error in (error as? MeshError)?.code == .link }
        release.continuation.finish()
        await #expect { _ = try await pair.a.call("node-b", method: "test/fast", params: [:], timeout: .seconds(30)) } throws: { error in
            (error as? MeshError)?.code == .link
        }
    }

    @Test func aCallTimesOutAndCancellationEndsTheWait() async {
        let pair = await Pair.make()
        await pair.b.serve("test/never") { _, _ in
            for await _ in AsyncStream<Void>.makeStream().stream {}
            return .success(.null)
        }
        await #expect { _ = try await pair.a.call("node-b", method: "test/never", params: [:], timeout: .milliseconds(50)) } throws: { error in
            (error as? MeshError)?.code == .timeout
        }
        let waiting = Task { try await pair.a.call("node-b", method: "test/never", params: [:], timeout: .seconds(600)) }
        waiting.cancel()
        await #expect { _ = try await waiting.value } throws: { error in (error as? MeshError)?.code == .timeout }
        #expect(await pair.a.pendingCalls.isEmpty)
    }

    @Test func onlyThePeerCalledCanAnswer() async throws {
        let service = MeshSessionTests.service("node-a")
        let recorder = MeshSessionTests.Recorder()
        _ = await service.linkOpened(recorder.transport("node-b"), outbound: true, serial: nil)
        _ = await service.linkOpened(MeshSessionTests.Recorder().transport("node-c"), outbound: true, serial: nil)
        let call = Task { try await service.call("node-b", method: "x", params: [:], timeout: .seconds(600)) }
        while await service.pendingCalls.isEmpty { await Task.yield() }
        let id = recorder.replies.last { $0["method"] == "x" }?["id"] ?? .null
        // node-c forges node-b's answer: dropped. node-b's own answer completes the call.
        let forged = MeshSession(service: service, caller: .member("node-c"), transport: recorder.transport("node-c"))
        await forged.received(JSONRPC.result(id: id, "forged").jsonText)
        #expect(await service.pendingCalls.count == 1)
        let genuine = MeshSession(service: service, caller: .member("node-b"), transport: recorder.transport("node-b"))
        await genuine.received(JSONRPC.result(id: id, "genuine").jsonText)
        #expect(try await call.value == "genuine")
    }

    @Test func aFloodOfRequestsFromOnePeerIsAnsweredBusy() async {
        let service = MeshSessionTests.service("node-b")
        let recorder = MeshSessionTests.Recorder()
        let transport = recorder.transport("node-a")
        _ = await service.linkOpened(transport, outbound: false, serial: nil)
        await service.serve("test/hold") { _, _ in
            for await _ in AsyncStream<Void>.makeStream().stream {}
            return .success(.null)
        }
        let session = MeshSession(service: service, caller: .member("node-a"), transport: transport)
        for id in 0...MeshService.maxRequestsInFlight {
            await session.received(#"{"jsonrpc":"2.0","id":\#(id),"method":"test/hold"}"#)
        }
        let busy = recorder.replies.filter { $0["error"]?["code"] == -32000 }
        #expect(busy.count == 1 && busy.first?["id"] == .int(Int64(MeshService.maxRequestsInFlight)))
    }

    @Test func notificationsAndAnnouncementsReachTheOtherSide() async throws {
        let pair = await Pair.make()
        let heard = AsyncStream.makeStream(of: JSONValue.self)
        await pair.b.observe("test/news") { params, peer in heard.continuation.yield(["params": params, "peer": .string(peer)]) }
        #expect(await pair.a.notify("node-b", method: "test/news", params: ["n": 1]))
        #expect(await pair.a.notify("node-z", method: "test/news", params: [:]) == false, "not linked")
        var iterator = heard.stream.makeAsyncIterator()
        #expect(await iterator.next() == ["params": ["n": 1], "peer": "node-a"])

        let changes = AsyncStream.makeStream(of: Member.self)
        await pair.b.onMemberChange { changes.continuation.yield($0) }
        await pair.a.announce("tools", ["hash": "abc", "count": 3])
        #expect(await pair.a.snapshot().members.first { $0.member.id == "node-a" }?.member.metadata.health["tools"]?["count"] == 3)
        // Gossip carries it to node-b on the next probe round.
        for _ in 0..<400 {
            await pair.a.step()
            await pair.b.step()
            if await pair.b.snapshot().members.first(where: { $0.member.id == "node-a" })?.member.metadata.health["tools"]?["hash"] == "abc" {
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(await pair.b.snapshot().members.first { $0.member.id == "node-a" }?.member.metadata.health["tools"]?["hash"] == "abc")
        await pair.a.announce("tools", .null)
        #expect(await pair.a.snapshot().members.first { $0.member.id == "node-a" }?.member.metadata.health["tools"] == nil)
    }
}
