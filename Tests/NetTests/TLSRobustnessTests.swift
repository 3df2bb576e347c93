import Glibc
@testable import Net
import NIOCore
import Synchronization
import Testing
import TestSupport

@Suite("TLS robustness", .serialized)
struct TLSRobustnessTests {
    // Serialized: the 500-handshake test saturates the shared event loops, and this test's
    // short handshake timeout would then (correctly) cut off its own final curl check.
    @Test func garbageTruncatedAndStalledPeersAreClosed() async throws {
        let pki = try TestPKI()
        var configuration = pki.serverConfiguration()
        configuration.handshakeTimeout = .seconds(3)
        try await withTLSServer(configuration) { port in
            // Not TLS at all: an HTTP request in plaintext.
            let plain = await rawExchange(port: port, send: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), timeoutSeconds: 20)
            #expect(plain.closedByServer)
            #expect(!String(decoding: plain.received, as: UTF8.self).contains("hello"))

            // Random bytes.
            var random = [UInt8](repeating: 0, count: 3000)
            for index in random.indices { random[index] = UInt8.random(in: 0...255) }
            #expect(await rawExchange(port: port, send: random, timeoutSeconds: 20).closedByServer)

            // A handshake record header promising 16 KB, then only a few bytes: the record never
            // completes, so the handshake timeout must close it.
            let truncated: [UInt8] = [0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03]
            #expect(await rawExchange(port: port, send: truncated, timeoutSeconds: 60).closedByServer)

            // A record with an absurd length field.
            #expect(await rawExchange(port: port, send: [0x16, 0x03, 0x03, 0xff, 0xff, 0, 0, 0, 0], timeoutSeconds: 20).closedByServer)

            // Connects and says nothing: closed by the handshake timeout.
            let started = ContinuousClock.now
            // Generous bounds: the 500-handshake test shares this process's event loops.
            #expect(await rawExchange(port: port, send: [], timeoutSeconds: 60).closedByServer)
            #expect(ContinuousClock.now - started < .seconds(60))

            // A real ClientHello (from our client connection), then silence after the server's
            // flight: the server answers, then its handshake timeout closes the connection.
            let client = try MbedTLSConnection(
                context: MbedTLSContext(configuration: .client(trustRoots: .file(pki.caPath))),
                allocator: ByteBufferAllocator(), serverName: nil)
            _ = client.handshake()
            let hello = client.bio.takeOutbound().map { Array($0.readableBytesView) } ?? []
            #expect(hello.first == 0x16)
            let stalled = await rawExchange(port: port, send: hello, timeoutSeconds: 60)
            #expect(stalled.closedByServer)
            #expect(stalled.received.first == 0x16, "the server sent its ServerHello flight first")

            // The server is still serving afterwards.
            let curl = try await Subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", pki.caPath,
                                             "https://127.0.0.1:\(port)/"])
            #expect(curl.stdout == "hello over mbedTLS\n", "\(curl.stderr)")
        }
    }

    @Test func fiveHundredConcurrentHandshakes() async throws {
        let pki = try TestPKI()
        // 500 handshakes queue up on two busy cores: the default 10 s handshake timeout would
        // (correctly) cut off the last ones, so this test gives both sides a generous limit.
        var server = pki.serverConfiguration()
        server.handshakeTimeout = .seconds(300)
        try await withTLSServer(server) { port in
            var client = TLSConfiguration.client(trustRoots: .file(pki.caPath), serverName: "127.0.0.1")
            client.handshakeTimeout = .seconds(300)
            let context = try MbedTLSContext(configuration: client)
            let count = 500
            let started = ContinuousClock.now
            let outcomes = try await withThrowingTaskGroup(of: TLSClientOutcome.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        try await tlsClientExchange(port: port, context: context,
                            request: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    }
                }
                var all: [TLSClientOutcome] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            let ok = outcomes.filter { $0.handshakeCompleted && $0.received.hasSuffix("hello over mbedTLS\n") }.count
            print("TLS: \(count) concurrent handshakes+requests in \(elapsed) s = \(Double(count) / elapsed) handshakes/s")
            // Every connection ended (the outcome is delivered on channelInactive) and served.
            #expect(outcomes.count == count)
            let failed = outcomes.filter { !($0.handshakeCompleted && $0.received.hasSuffix("hello over mbedTLS\n")) }
            #expect(ok == count, "\(failed.count) failed, e.g. \(failed.first.map { "\($0.handshakeCompleted) \($0.errors) \($0.received.suffix(80))" } ?? "")")

            // Also curl's own parallel mode against the same server.
            // (-H is global in curl: given once, so each request carries one Connection header.)
            var arguments = ["curl", "-sS", "--parallel", "--parallel-max", "50", "--max-time", "60",
                             "--cacert", pki.caPath, "-H", "Connection: close"]
            for _ in 0..<100 { arguments.append("https://127.0.0.1:\(port)/") }
            let parallel = try await Subprocess.run(arguments, timeout: .seconds(120))
            #expect(parallel.status == 0, "\(parallel.stderr)")
            #expect(parallel.stdout.ranges(of: "hello over mbedTLS").count == 100,
                    "\(parallel.stdout.count) bytes; \(parallel.stderr.suffix(500))")
        }
    }
}
