import Net
import Testing
import TestSupport

@Suite("TLS server")
struct TLSServerTests {
    @Test func curlFetchesOverHTTPSAndOpenSSLVerifiesChain() async throws {
        let pki = try TestPKI()
        try await withTLSServer(pki.serverConfiguration()) { port in
            let curl = try await Subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", pki.caPath,
                                             "https://127.0.0.1:\(port)/"])
            #expect(curl.status == 0, "\(curl.stderr)")
            #expect(curl.stdout == "hello over mbedTLS\n")

            // Also by name (DNS SAN) and with TLS 1.2 + an AEAD suite negotiated.
            let byName = try await Subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", pki.caPath,
                                               "--resolve", "localhost:\(port):127.0.0.1", "-w", "%{http_code}",
                                               "-o", "/dev/null", "https://localhost:\(port)/"])
            #expect(byName.stdout == "200", "\(byName.stderr)")

            let sClient = try await Subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:\(port)",
                                                "-CAfile", pki.caPath, "-verify_return_error", "-brief"],
                                               input: "", timeout: .seconds(30))
            let output = sClient.stdout + sClient.stderr
            #expect(output.contains("Verification: OK"), "\(output)")
            #expect(output.contains("TLSv1.2"), "\(output)")
            #expect(output.contains("ECDHE-ECDSA-AES") || output.contains("ECDHE-ECDSA-CHACHA20"), "\(output)")

            // A client that trusts nothing of ours refuses the server.
            let untrusted = try await Subprocess.run(["curl", "-sS", "--max-time", "20", "https://127.0.0.1:\(port)/"])
            #expect(untrusted.status != 0)
        }
    }

    @Test func keepAliveRequestsAndLargeBodiesBothDirections() async throws {
        let pki = try TestPKI()
        try await withTLSServer(pki.serverConfiguration()) { port in
            var arguments = ["curl", "-sS", "--max-time", "30", "--cacert", pki.caPath]
            for _ in 0..<20 { arguments.append("https://127.0.0.1:\(port)/") }
            let result = try await Subprocess.run(arguments)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == String(repeating: "hello over mbedTLS\n", count: 20))

            // 3 MB up and back: many records, partial reads, large writes.
            let bodyPath = pki.directory.path + "/body.txt"
            let line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
            try writeFile(bodyPath, String(repeating: line, count: 3 << 20 / line.utf8.count))
            let echoPath = pki.directory.path + "/echo.txt"
            let echo = try await Subprocess.run(["curl", "-sS", "--max-time", "60", "--cacert", pki.caPath,
                                             "--data-binary", "@" + bodyPath, "-o", echoPath,
                                             "https://127.0.0.1:\(port)/echo"])
            #expect(echo.status == 0, "\(echo.stderr)")
            #expect(try readFile(echoPath) == readFile(bodyPath))
        }
    }
}
