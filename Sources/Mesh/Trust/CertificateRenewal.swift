public import FoundationEssentials
public import Net

/// Renews this node's certificate at two thirds of its lifetime: a CSR for the same key,
/// sent with `join/renew` over mTLS (the current certificate) to a node holding the CA key.
/// The new certificate must be for our key and node id and come with the same CA; it then
/// replaces `node.crt` (atomically, by rename). The listener and the dialer rebuild their
/// TLS context when the file changes (`TLSContextSource`): new connections present the new
/// certificate, links already open keep their session.
public struct CertificateRenewal: Sendable {
    let files: MeshFiles
    let nodeID: String

    public init(files: MeshFiles, nodeID: String) {
        self.files = files
        self.nodeID = nodeID
    }

    /// When a certificate valid over [notBefore, notAfter] is due for renewal.
    public static func renewAt(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * 2 / 3)
    }

    /// The current certificate's renewal time; nil when it cannot be read.
    public func dueDate() -> Date? {
        guard let info = try? Certificate(file: files.nodeCertificate).info else { return nil }
        return Self.renewAt(notBefore: info.notBefore, notAfter: info.notAfter)
    }

    /// Renews through the first of `authorities` that answers; returns the new certificate.
    public func renew(through authorities: [PeerAddress]) async throws(MeshError) -> Certificate {
        let key: PrivateKey, current: PeerCertificate, caPin: String, tls: MbedTLSContext, csr: CertificateSigningRequest
        do {
            key = try PrivateKey(file: files.nodeKey)
            current = try Certificate(file: files.nodeCertificate).info
            caPin = try Certificate(file: files.caCertificate).spkiSHA256
            tls = try MbedTLSContext(configuration: .client(trustRoots: .file(files.caCertificate),
                                                            certificateChain: .file(files.nodeCertificate), privateKey: .file(files.nodeKey)))
            csr = try CertificateSigningRequest.create(key: key, commonName: nodeID)
        } catch {
            throw MeshError(.configuration, "cannot prepare the renewal from \(files.dataDirectory): \(error)")
        }
        var lastError = MeshError(.configuration, "no mesh authority to renew with (set `peers`)")
        for address in authorities {
            do throws(MeshError) {
                let connection = try await MeshClient(tls: tls).connect(to: address, oneShot: true)
                let result = try await connection.call("join/renew", params: [
                    "csr": .string(csr.pem), "dns": .array(current.dnsNames.map(JSONValue.string)),
                    "ip": .array(current.ipAddresses.map(JSONValue.string)),
                ])
                guard let pem = result["certificate"]?.stringValue, let certificate = try? Certificate(pem: pem),
                      let ca = result["ca"]?.stringValue.flatMap({ try? Certificate(pem: $0) }), ca.spkiSHA256 == caPin,
                      (try? key.spkiSHA256()) == certificate.spkiSHA256, certificate.info.nodeID == nodeID else {
                    throw MeshError(.protocolViolation, "\(address): the renewal reply is not a certificate for this node and key")
                }
                do {
                    try PEMFile.write(pem, to: files.nodeCertificate, permissions: 0o644)
                } catch {
                    throw MeshError(.configuration, "cannot write \(files.nodeCertificate): \(error)")
                }
                return certificate
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
