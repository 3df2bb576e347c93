import FoundationEssentials
import Net

/// A mesh CA plus server and client certificates written to a temp dir, made with our own
/// CertificateAuthority code (so every TLS test also exercises the CA operations).
final class TestPKI: @unchecked Sendable {
    let directory = TempDirectory()
    let ca: CertificateAuthority
    let serverCertificate: Certificate
    let clientCertificate: Certificate
    var caPath: String { directory.path + "/ca.crt" }
    var serverCertPath: String { directory.path + "/server.crt" }
    var serverKeyPath: String { directory.path + "/server.key" }
    var clientCertPath: String { directory.path + "/client.crt" }
    var clientKeyPath: String { directory.path + "/client.key" }

    init(clientNodeID: String = "node-client-1") throws {
        ca = try CertificateAuthority.create(commonName: "Test Mesh CA")
        try ca.write(toDirectory: directory.path)

        let dir = directory.path
        let serverKey = try PrivateKey.generateP256()
        serverCertificate = try ca.sign(key: serverKey, profile: .init(
            commonName: "server", dnsNames: ["localhost"], uris: ["urn:triforce:node:server-1"], ipAddresses: ["127.0.0.1"]))
        try CertificateAuthority.write(certificate: serverCertificate, key: serverKey,
                                       certificatePath: dir + "/server.crt", keyPath: dir + "/server.key")

        let clientKey = try PrivateKey.generateP256()
        let request = try CertificateSigningRequest.create(key: clientKey, commonName: clientNodeID)
        clientCertificate = try ca.sign(request: request, profile: .init(
            commonName: clientNodeID, uris: ["urn:triforce:node:\(clientNodeID)"]))
        try CertificateAuthority.write(certificate: clientCertificate, key: clientKey,
                                       certificatePath: dir + "/client.crt", keyPath: dir + "/client.key")
    }

    /// Issues another client certificate (optionally from another CA or already expired).
    func issueClient(name: String, from authority: CertificateAuthority? = nil, notBefore: Date? = nil,
                     validityDays: Int = 30) throws -> (cert: String, key: String, certificate: Certificate) {
        let key = try PrivateKey.generateP256()
        let certificate = try (authority ?? ca).sign(key: key, profile: .init(
            commonName: name, uris: ["urn:triforce:node:\(name)"], validityDays: validityDays, notBefore: notBefore))
        let certPath = directory.path + "/\(name).crt", keyPath = directory.path + "/\(name).key"
        try CertificateAuthority.write(certificate: certificate, key: key, certificatePath: certPath, keyPath: keyPath)
        return (certPath, keyPath, certificate)
    }

    func serverConfiguration(requireClientCertificate: Bool = false,
                             isRevoked: (@Sendable (PeerCertificate) -> Bool)? = nil) -> TLSConfiguration {
        .server(certificateChain: .file(serverCertPath), privateKey: .file(serverKeyPath),
                clientCA: requireClientCertificate ? .file(caPath) : nil, isRevoked: isRevoked)
    }
}
