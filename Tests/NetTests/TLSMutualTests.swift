import FoundationEssentials
import Net
import Synchronization
import Testing
import TestSupport

@Suite("TLS mutual authentication")
struct TLSMutualTests {
    @Test func serverRequiresValidUnrevokedClientCertificate() async throws {
        let pki = try TestPKI()
        let revoked = Mutex<Set<String>>([])
        let otherCA = try CertificateAuthority.create(commonName: "Some Other CA")
        let foreign = try pki.issueClient(name: "foreign", from: otherCA)
        let expired = try pki.issueClient(name: "expired", notBefore: Date().addingTimeInterval(-40 * 86400), validityDays: 10)
        let banned = try pki.issueClient(name: "banned")
        revoked.withLock { _ = $0.insert(banned.certificate.info.serialHex) }

        let configuration = pki.serverConfiguration(requireClientCertificate: true) { peer in
            revoked.withLock { $0.contains(peer.serialHex) }
        }
        try await withTLSServer(configuration) { port in
            let url = "https://127.0.0.1:\(port)/peer"
            func curl(_ extra: [String]) async throws -> Subprocess.Output {
                try await Subprocess.run(["curl", "-sS", "--max-time", "20", "--cacert", pki.caPath] + extra + [url])
            }

            let valid = try await curl(["--cert", pki.clientCertPath, "--key", pki.clientKeyPath])
            #expect(valid.status == 0, "\(valid.stderr)")
            #expect(valid.stdout == "node=node-client-1 serial=\(pki.clientCertificate.info.serialHex)\n")

            let none = try await curl([])
            #expect(none.status != 0 && none.stdout.isEmpty, "no client cert must be refused: \(none.stdout)")

            let wrongCA = try await curl(["--cert", foreign.cert, "--key", foreign.key])
            #expect(wrongCA.status != 0 && wrongCA.stdout.isEmpty, "foreign CA must be refused: \(wrongCA.stdout)")

            let old = try await curl(["--cert", expired.cert, "--key", expired.key])
            #expect(old.status != 0 && old.stdout.isEmpty, "expired cert must be refused: \(old.stdout)")

            let bannedResult = try await curl(["--cert", banned.cert, "--key", banned.key])
            #expect(bannedResult.status != 0 && bannedResult.stdout.isEmpty, "revoked cert must be refused")

            // openssl agrees: the revoked client gets a fatal alert from the server.
            let sClient = try await Subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:\(port)",
                                                "-CAfile", pki.caPath, "-cert", banned.cert, "-key", banned.key],
                                               input: "GET /peer HTTP/1.0\r\n\r\n", timeout: .seconds(30))
            #expect(!(sClient.stdout + sClient.stderr).contains("node=banned"))
            #expect((sClient.stdout + sClient.stderr).contains("alert"), "\(sClient.stderr)")

            // Un-revoking takes effect on the next handshake: the hook runs every time.
            revoked.withLock { $0.removeAll() }
            let again = try await curl(["--cert", banned.cert, "--key", banned.key])
            #expect(again.stdout == "node=banned serial=\(banned.certificate.info.serialHex)\n", "\(again.stderr)")
        }
    }
}
