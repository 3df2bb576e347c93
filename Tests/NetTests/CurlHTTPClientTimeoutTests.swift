import FoundationEssentials
import Hummingbird
import NIOCore
import Net
import Testing

/// Routes that go quiet at different moments.
func timeoutRoutes(_ router: Router<PeerContext>, _ probe: ServerProbe) {
    router.get("/stall") { _, _ -> Response in
        Response(status: .ok, body: .init { writer in
            try await writer.write(ByteBuffer(string: "x"))
            try await Task.sleep(for: .seconds(5))
            try await writer.write(ByteBuffer(string: "y"))
            try await writer.finish(nil)
        })
    }
    router.get("/drip") { _, _ -> Response in
        Response(status: .ok, body: .init { writer in
            for _ in 0..<100 {
                try await writer.write(ByteBuffer(string: "."))
                try await Task.sleep(for: .milliseconds(50))
            }
            try await writer.finish(nil)
        })
    }
}

// Bounds are generous (a loaded 2-core CI machine): each case only checks which limit fired.
@Suite struct CurlHTTPClientTimeoutTests {
    @Test func connectTimeout() async throws {
        let listener = try SilentListener(backlog: 0)
        listener.fillBacklog()
        try await Task.sleep(for: .milliseconds(100))
        let client = try CurlHTTPClient()
        let timeouts = OutgoingRequest.Timeouts(connect: .milliseconds(300), firstByte: .seconds(20))
        let started = ContinuousClock.now
        let error = await failure(of: OutgoingRequest(url: "http://127.0.0.1:\(listener.port)/", timeouts: timeouts), on: client)
        #expect(error?.code == .connectTimeout, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(60), "timed out rather than hung")
    }

    @Test func firstByteTimeout() async throws {
        let listener = try SilentListener()
        let client = try CurlHTTPClient()
        let timeouts = OutgoingRequest.Timeouts(firstByte: .milliseconds(300))
        let started = ContinuousClock.now
        let error = await failure(of: OutgoingRequest(url: "http://127.0.0.1:\(listener.port)/", timeouts: timeouts), on: client)
        #expect(error?.code == .firstByteTimeout, "\(String(describing: error))")
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        #expect(ContinuousClock.now - started < .seconds(60), "timed out rather than hung")
    }

    @Test func idleTimeout() async throws {
        try await withTestServer(timeoutRoutes) { port, _ in
            let client = try CurlHTTPClient()
            let timeouts = OutgoingRequest.Timeouts(idle: .milliseconds(300))
            let response = try await client.send(OutgoingRequest(url: url(port, "/stall"), timeouts: timeouts))
            var chunks = response.body.makeAsyncIterator()
            #expect(try await chunks.next() == Data("x".utf8))
            await #expect {
                _ = try await chunks.next()
            } throws: { error in
                (error as? OutgoingHTTPError)?.code == .idleTimeout
            }
        }
    }

    @Test func totalTimeout() async throws {
        try await withTestServer(timeoutRoutes) { port, _ in
            let client = try CurlHTTPClient()
            // Data keeps coming (no idle timeout), but the whole exchange takes too long.
            let timeouts = OutgoingRequest.Timeouts(idle: .seconds(5), total: .milliseconds(600))
            let error = await failure(of: OutgoingRequest(url: url(port, "/drip"), timeouts: timeouts), on: client)
            #expect(error?.code == .totalTimeout, "\(String(describing: error))")
        }
    }
}
