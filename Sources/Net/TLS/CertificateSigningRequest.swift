internal import CMbedTLS

/// A PKCS#10 certificate signing request: made by a joining node from its own key, parsed and
/// proof-of-possession-checked by the CA before it signs the public key inside.
public struct CertificateSigningRequest: Sendable {
    /// The request in PEM ("CERTIFICATE REQUEST").
    public let pem: String

    public init(pem: String) { self.pem = pem }

    /// Builds and signs a CSR for `key` with subject `CN=<commonName>`.
    public static func create(key: PrivateKey, commonName: String) throws(TLSError) -> CertificateSigningRequest {
        guard let random = LockedDRBG.shared else { throw TLSError(.randomSource, reason: "no entropy source") }
        let writer = UnsafeMutablePointer<mbedtls_x509write_csr>.allocate(capacity: 1)
        mbedtls_x509write_csr_init(writer)
        defer { mbedtls_x509write_csr_free(writer); writer.deallocate() }
        mbedtls_x509write_csr_set_md_alg(writer, MBEDTLS_MD_SHA256)
        mbedtls_x509write_csr_set_key(writer, key.pk)
        try TLSError.check(mbedtls_x509write_csr_set_subject_name(writer, try DistinguishedName.commonName(commonName)),
                           .certificateWrite)
        let pem = try PEMFile.writeString(capacity: 4096, code: .certificateWrite) {
            mbedtls_x509write_csr_pem(writer, $0, $1, LockedDRBG.function, random.context)
        }
        return CertificateSigningRequest(pem: pem)
    }

    /// Parses the request, verifies its self-signature (the requester holds the private key)
    /// and returns the public key and the requested subject.
    public func verifiedPublicKey() throws(TLSError) -> (key: PublicKey, subject: String) {
        let csr = UnsafeMutablePointer<mbedtls_x509_csr>.allocate(capacity: 1)
        mbedtls_x509_csr_init(csr)
        defer { mbedtls_x509_csr_free(csr); csr.deallocate() }
        let bytes = Array(pem.utf8CString).map { UInt8(bitPattern: $0) }
        try TLSError.check(mbedtls_x509_csr_parse(csr, bytes, bytes.count), .parseRequest)
        // EC keys only (every node makes P-256): an anonymous `join/request` reaches this
        // check, and an RSA key with an 8,192-bit exponent makes verifying cost a large
        // fraction of a second of CPU.
        let keyType = mbedtls_pk_get_type(&csr.pointee.pk)
        guard keyType == MBEDTLS_PK_ECKEY || keyType == MBEDTLS_PK_ECDSA else {
            throw TLSError(.parseRequest, reason: "the request's key must be an EC key (P-256)")
        }

        guard let mdInfo = mbedtls_md_info_from_type(csr.pointee.sig_md) else {
            throw TLSError(.parseRequest, reason: "unsupported CSR signature digest")
        }
        var hash = [UInt8](repeating: 0, count: 64)
        try TLSError.check(mbedtls_md(mdInfo, csr.pointee.cri.p, csr.pointee.cri.len, &hash), .parseRequest)
        try TLSError.check(mbedtls_pk_verify_ext(csr.pointee.sig_pk, csr.pointee.sig_opts, &csr.pointee.pk,
                                                 csr.pointee.sig_md, hash, Int(mbedtls_md_get_size(mdInfo)),
                                                 csr.pointee.sig.p, csr.pointee.sig.len), .parseRequest)
        let subject = PeerCertificate.distinguishedName(&csr.pointee.subject)

        // Move the parsed key out: copy the pk_context struct and clear the CSR's so its free
        // does not release what the PublicKey now owns.
        let pk = UnsafeMutablePointer<mbedtls_pk_context>.allocate(capacity: 1)
        pk.pointee = csr.pointee.pk
        mbedtls_pk_init(&csr.pointee.pk)
        return (PublicKey(taking: pk), subject)
    }
}

/// Builds the comma-separated DN strings `mbedtls_x509write_*_set_*_name` parse.
enum DistinguishedName {
    /// Refuses characters the mbedTLS DN parser would read as structure.
    static func commonName(_ name: String, organization: String? = "TriForce") throws(TLSError) -> String {
        for part in [name, organization ?? ""] where part.contains(where: { ",=+\\\"<>;\n".contains($0) }) {
            throw TLSError(.certificateWrite, reason: "name may not contain , = + \\ \" < > ;: \(part)")
        }
        guard !name.isEmpty else { throw TLSError(.certificateWrite, reason: "empty common name") }
        return organization.map { "CN=\(name),O=\($0)" } ?? "CN=\(name)"
    }
}
