import Net
import NIOCore
import NIOEmbedded
import Testing

/// Handler-level tests: a client and a server `MbedTLSHandler` on two EmbeddedChannels, with
/// the test moving ciphertext between them. Deterministic, no sockets.
@Suite("MbedTLSHandler (embedded)")
struct TLSHandlerEmbeddedTests {
    final class EventRecorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var events: [TLSUserEvent] = []
        var received = ""
        var errors: [String] = []
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? TLSUserEvent { events.append(event) }
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { errors.append("\(error)") }
    }

    /// Moves bytes both ways until neither side has anything to send.
    func pump(_ a: EmbeddedChannel, _ b: EmbeddedChannel) throws {
        var moved = true
        while moved {
            moved = false
            while let bytes = try a.readOutbound(as: ByteBuffer.self) { try b.writeInbound(bytes); moved = true }
            while let bytes = try b.readOutbound(as: ByteBuffer.self) { try a.writeInbound(bytes); moved = true }
        }
    }

    @Test func handshakeDataBothWaysAndCloseNotify() throws {
        let pki = try TestPKI()
        let serverContext = try MbedTLSContext(configuration: pki.serverConfiguration(requireClientCertificate: true))
        let clientContext = try MbedTLSContext(configuration: .client(
            trustRoots: .file(pki.caPath), serverName: "localhost",
            certificateChain: .file(pki.clientCertPath), privateKey: .file(pki.clientKeyPath)))
        let serverRecorder = EventRecorder(), clientRecorder = EventRecorder()
        let server = EmbeddedChannel(handlers: [MbedTLSHandler(context: serverContext), serverRecorder])
        let client = EmbeddedChannel(handlers: [MbedTLSHandler(context: clientContext), clientRecorder])
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        try server.connect(to: address).wait()
        try client.connect(to: address).wait()

        // Written before the handshake: must be held, then delivered after it.
        client.writeAndFlush(ByteBuffer(string: "early ping"), promise: nil)
        try pump(client, server)

        #expect(serverRecorder.events == [.handshakeCompleted(peer: pki.clientCertificate.info)])
        #expect(clientRecorder.events == [.handshakeCompleted(peer: pki.serverCertificate.info)])
        #expect(serverRecorder.received == "early ping")

        let big = String(repeating: "x", count: 100_000)
        server.writeAndFlush(ByteBuffer(string: big), promise: nil)
        try pump(client, server)
        #expect(clientRecorder.received == big)

        // close_notify travels as an (encrypted) alert record: content type 0x15.
        _ = client.close()
        let alert = try #require(try client.readOutbound(as: ByteBuffer.self))
        #expect(alert.getInteger(at: 0, as: UInt8.self) == 0x15)
        try server.writeInbound(alert)
        #expect(serverRecorder.events.last == .shutdownCompleted)
        #expect(serverRecorder.errors.isEmpty, "\(serverRecorder.errors)")
        _ = try? server.finish()
    }

    @Test func garbageFailsTheHandshakeWithMbedTLSReason() throws {
        let pki = try TestPKI()
        let recorder = EventRecorder()
        let server = EmbeddedChannel(handlers: [
            MbedTLSHandler(context: try MbedTLSContext(configuration: pki.serverConfiguration())), recorder])
        try server.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(!server.isActive)
        #expect(recorder.errors.count == 1)
        #expect(recorder.errors.first?.contains("SSL - ") == true, "\(recorder.errors)")
        #expect(recorder.events.isEmpty)
    }
}
