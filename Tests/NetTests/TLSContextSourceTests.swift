import FoundationEssentials
import Glibc
import Net
import Testing
import TestSupport

/// Issue 11: a renewed certificate is used without a restart. The listener and the dialer
/// take their TLS context from a `TLSContextSource`, rebuilt when the PEM files change
/// (written atomically, by rename, as renewal does); connections already open keep theirs.
@Suite("TLS context source")
struct TLSContextSourceTests {
    @Test func renewedServerCertificateIsServedToNewConnectionsWhileOpenOnesKeepTheirs() async throws {
        let pki = try TestPKI()
        // Checked on every handshake here; the node checks at most once a second.
        let contexts = try TLSContextSource(configuration: pki.serverConfiguration(), checkInterval: .zero)
        let client = try MbedTLSContext(configuration: .client(trustRoots: .file(pki.caPath), serverName: "127.0.0.1"))
        let request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        try await withTLSServer(contexts: contexts) { port in
            let before = try await tlsClientExchange(port: port, context: client, request: request)
            #expect(before.peer?.serialHex == pki.serverCertificate.info.serialHex, "\(before.errors)")

            // A connection that stays open across the swap.
            let open = try Subprocess.Running.spawn(
                ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-CAfile", pki.caPath], stdin: true)
            defer { open.signal(SIGKILL) }
            #expect(await Self.get(open) , "the long-lived connection did not answer before the swap")

            // Renewal: a new certificate for the same key, replacing the file by rename.
            let key = try PrivateKey(file: pki.serverKeyPath)
            let renewed = try pki.ca.sign(key: key, profile: .init(
                commonName: "server", dnsNames: ["localhost"], uris: ["urn:triforce:node:server-1"], ipAddresses: ["127.0.0.1"]))
            #expect(renewed.info.serialHex != pki.serverCertificate.info.serialHex)
            try PEMFile.write(renewed.pem, to: pki.serverCertPath, permissions: 0o644)

            let after = try await tlsClientExchange(port: port, context: client, request: request)
            #expect(after.handshakeCompleted, "\(after.errors)")
            #expect(after.peer?.serialHex == renewed.info.serialHex, "a new connection still got the old certificate")
            #expect(after.received.hasPrefix("HTTP/1.1 200"), "\(after.received) \(after.errors)")
            #expect(await Self.get(open), "the connection opened before the swap lost its session")

            // A certificate that does not match the key is not taken: the last good one stays.
            let stranger = try pki.ca.sign(key: PrivateKey.generateP256(), profile: .init(commonName: "server", ipAddresses: ["127.0.0.1"]))
            try PEMFile.write(stranger.pem, to: pki.serverCertPath, permissions: 0o644)
            let kept = try await tlsClientExchange(port: port, context: client, request: request)
            #expect(kept.peer?.serialHex == renewed.info.serialHex, "\(kept.errors)")
            #expect(contexts.lastError != nil)
        }
    }

    @Test func renewedClientCertificateIsPresentedByTheNextDial() async throws {
        let pki = try TestPKI()
        try await withTLSServer(pki.serverConfiguration(requireClientCertificate: true)) { port in
            let dialer = try TLSContextSource(
                configuration: .client(trustRoots: .file(pki.caPath), serverName: "127.0.0.1",
                                       certificateChain: .file(pki.clientCertPath), privateKey: .file(pki.clientKeyPath)),
                checkInterval: .zero)
            let request = "GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let before = try await tlsClientExchange(port: port, context: dialer.current(), request: request)
            #expect(before.received.hasSuffix("serial=\(pki.clientCertificate.info.serialHex)\n"), "\(before.received) \(before.errors)")

            let key = try PrivateKey(file: pki.clientKeyPath)
            let renewed = try pki.ca.sign(key: key, profile: .init(commonName: "node-client-1", uris: ["urn:triforce:node:node-client-1"]))
            try PEMFile.write(renewed.pem, to: pki.clientCertPath, permissions: 0o644)
            let after = try await tlsClientExchange(port: port, context: dialer.current(), request: request)
            #expect(after.received.hasSuffix("node=node-client-1 serial=\(renewed.info.serialHex)\n"), "\(after.received) \(after.errors)")
        }
    }

    @Test func unchangedFilesKeepTheSameContext() throws {
        let pki = try TestPKI()
        let contexts = try TLSContextSource(configuration: pki.serverConfiguration(), checkInterval: .zero)
        #expect(contexts.current() === contexts.current())
    }

    /// One request on a long-lived `openssl s_client` connection; true when the answer came.
    static func get(_ connection: Subprocess.Running) async -> Bool {
        connection.writeStdin("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        while let line = await connection.readLine(fd: connection.stdoutFD) {
            if line.contains("hello over mbedTLS") { return true }
        }
        return false
    }
}
