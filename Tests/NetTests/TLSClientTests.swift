import Net
import Testing

@Suite("TLS client")
struct TLSClientTests {
    @Test func clientHandlerTalksToOpenSSLServer() async throws {
        let pki = try TestPKI()
        let port = freeLoopbackPort()
        let server = try BackgroundProcess(["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-www",
                                            "-cert", pki.serverCertPath, "-key", pki.serverKeyPath,
                                            "-tls1_2"], logPath: pki.directory.path + "/s_server.log")
        defer { server.stop() }
        // Wait until it listens.
        for _ in 0..<200 where !canConnect(port: port) { try await Task.sleep(for: .milliseconds(50)) }
        let context = try MbedTLSContext(configuration: .client(trustRoots: .file(pki.caPath), serverName: "localhost"))
        let outcome = try await tlsClientExchange(port: port, context: context, serverName: "localhost",
                                                  request: "GET / HTTP/1.0\r\n\r\n")
        #expect(outcome.handshakeCompleted, "\(outcome.errors)")
        #expect(outcome.peer?.nodeID == "server-1")
        #expect(outcome.received.contains("HTTP/1.0 200 ok"), "\(outcome.received.prefix(200))")
        #expect(outcome.received.contains("Ciphers supported"))
    }

    @Test func clientAndServerHandlersWithMutualTLS() async throws {
        let pki = try TestPKI()
        try await withTLSServer(pki.serverConfiguration(requireClientCertificate: true)) { port in
            let context = try MbedTLSContext(configuration: .client(
                trustRoots: .file(pki.caPath), serverName: "127.0.0.1",
                certificateChain: .file(pki.clientCertPath), privateKey: .file(pki.clientKeyPath)))
            let outcome = try await tlsClientExchange(port: port, context: context,
                request: "GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(outcome.peer?.ipAddresses == ["127.0.0.1"])
            #expect(outcome.received.hasPrefix("HTTP/1.1 200"), "\(outcome.received) \(outcome.errors)")
            #expect(outcome.received.hasSuffix("node=node-client-1 serial=\(pki.clientCertificate.info.serialHex)\n"))

            // The wrong server name fails verification on the client side with mbedTLS's reason.
            let wrongName = try MbedTLSContext(configuration: .client(trustRoots: .file(pki.caPath), serverName: "example.org",
                certificateChain: .file(pki.clientCertPath), privateKey: .file(pki.clientKeyPath)))
            let refused = try await tlsClientExchange(port: port, context: wrongName, request: "GET / HTTP/1.0\r\n\r\n")
            #expect(!refused.handshakeCompleted)
            #expect(refused.errors.contains { $0.contains("CN mismatch") || $0.contains("verif") }, "\(refused.errors)")
        }
    }
}

