public import Net

/// The joining side: trusts the hub only through the token's CA pin, sends a CSR for a key
/// made here, and checks what comes back (the CA is the pinned one, the certificate is for
/// our key and names our node id) before anything is stored.
public struct JoinClient: Sendable {
    public struct Result: Sendable {
        public var certificate: Certificate
        public var certificatePEM: String
        public var caPEM: String
        public var members: JSONValue
        public var revocations: [String]
        public var hubID: String
    }

    public init() {}

    public func join(token: JoinToken, hub: PeerAddress, nodeID: String, key: PrivateKey,
                     dns: [String], ips: [String]) async throws(MeshError) -> Result {
        let context: MbedTLSContext
        let csr: CertificateSigningRequest
        do {
            context = try MbedTLSContext(configuration: .pinnedClient(pin: token.pin))
            csr = try CertificateSigningRequest.create(key: key, commonName: nodeID)
        } catch {
            throw MeshError(.configuration, "cannot prepare the join: \(error)")
        }
        let connection: MeshClientConnection
        do {
            connection = try await MeshClient(tls: context).connect(to: hub)
        } catch {
            if error.message.contains("pinned CA key") {
                throw MeshError(.joinRefused, "\(hub): its CA key does not match the token's pin; nothing was sent to it")
            }
            throw error
        }
        let result = try await connection.call("join/request", params: [
            "token": .string(token.secretToken), "csr": .string(csr.pem),
            "dns": .array(dns.map(JSONValue.string)), "ip": .array(ips.map(JSONValue.string)),
        ])
        guard let certificatePEM = result["certificate"]?.stringValue, let caPEM = result["ca"]?.stringValue,
              let certificate = try? Certificate(pem: certificatePEM), let ca = try? Certificate(pem: caPEM) else {
            throw MeshError(.protocolViolation, "\(hub): the join reply holds no certificate")
        }
        guard ca.spkiSHA256 == token.pin else {
            throw MeshError(.protocolViolation, "\(hub): returned a CA that does not match the pin")
        }
        guard (try? key.spkiSHA256()) == certificate.spkiSHA256, certificate.info.nodeID == nodeID else {
            throw MeshError(.protocolViolation, "\(hub): returned a certificate for another key or node")
        }
        return Result(certificate: certificate, certificatePEM: certificatePEM, caPEM: caPEM,
                      members: result["members"] ?? [:],
                      revocations: result["revocations"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                      hubID: result["hub"]?.stringValue ?? token.hubNodeID)
    }
}
