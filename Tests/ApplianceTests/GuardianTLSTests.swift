@testable import Appliance
import Mesh
import FoundationEssentials
import Net
import Storage
import Testing
import TestSupport

/// An HTTPS peer whose API certificate the mesh CA issued: verified against the mesh CA (not
/// skipped, not refused for lacking a public CA), and its certificate expiry in the report.
@Suite("guardian over https")
struct GuardianTLSTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    @Test func httpsPeerIsVerifiedWithTheMeshCAAndReportsItsCertificateExpiry() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let ca = try await Subprocess.run([Self.binary, "ca", "init", "--ip", "127.0.0.1", "--data-dir", dir],
                                          environment: ["PATH": "/usr/bin:/bin"])
        try #require(ca.status == 0, "\(ca.stderr)")
        let files = MeshFiles(dataDirectory: dir)
        try await TestNode.run(flags: [.tlsCert: files.nodeCertificate, .tlsKey: files.nodeKey, .meshPort: "0"],
                               dataDirectory: dir) { node in
            let url = "https://127.0.0.1:\(node.port)"
            let fetcher = try CurlHTTPClient()
            let peers = ConfiguredMembers(urls: [url])
            let local = Guardian.Local.inProcess(version: TriForceVersion.current, nodeID: "watcher")

            var verified = Guardian(fetcher: fetcher, members: peers, local: local, certificatePath: nil,
                                    certificateAuthority: files.caCertificate)
            verified.timeout = .seconds(30)
            let report = await verified.check()
            let peer = try #require(report.nodes.first { $0.url == url })
            #expect(peer.status == .ok, "\(peer.problems)")
            #expect(peer.nodeID == node.node.identity.nodeID)
            let expiry = try Certificate(file: files.nodeCertificate).info.notAfter
            #expect(peer.certificate.map { abs($0.expiresAt.timeIntervalSince(expiry)) < 2 } == true)
            #expect(peer.certificate?.status == .ok)

            // Without the mesh CA the same peer's certificate is unknown: a failure, not a skip.
            var unverified = Guardian(fetcher: fetcher, members: peers, local: local, certificatePath: nil)
            unverified.timeout = .seconds(30)
            let refused = try #require(await unverified.check().nodes.first { $0.url == url })
            #expect(refused.status == .fail)
            #expect(refused.problems.contains { $0.contains("unreachable") })
        }
    }
}
