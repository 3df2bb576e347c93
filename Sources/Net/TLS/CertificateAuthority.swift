public import FoundationEssentials
internal import CMbedTLS

/// The mesh certificate authority: a P-256 key and its self-signed certificate. It signs leaf
/// certificates for nodes (from a CSR or a bare public key) that work for both TLS server and
/// client auth, so the same certificate serves a node's listener and its outgoing mesh links.
public final class CertificateAuthority: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate
    /// The issuer DN in the `CN=…,O=…` form mbedTLS's writer parses.
    let issuerName: String

    /// Creates a new CA: fresh P-256 key, self-signed, basicConstraints CA:true,
    /// keyUsage keyCertSign|cRLSign, valid `validityDays` (10 years by default).
    public static func create(commonName: String = "TriForce Mesh CA", validityDays: Int = 3650,
                              now: Date = Date()) throws(TLSError) -> CertificateAuthority {
        let key = try PrivateKey.generateP256()
        let name = try DistinguishedName.commonName(commonName)
        let pem = try CertificateWriter.sign(
            subjectName: name, subjectKey: key.pk, issuerName: name, issuerKey: key.pk,
            notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(Double(validityDays) * 86400)
        ) { writer throws(TLSError) in
            try TLSError.check(mbedtls_x509write_crt_set_basic_constraints(writer, 1, -1), .certificateWrite)
            try TLSError.check(mbedtls_x509write_crt_set_key_usage(
                writer, UInt32(MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)), .certificateWrite)
        }
        return try CertificateAuthority(key: key, certificate: Certificate(pem: pem))
    }

    /// Loads an existing CA from its certificate and key.
    public init(key: PrivateKey, certificate: Certificate) throws(TLSError) {
        self.key = key
        self.certificate = certificate
        // mbedtls_x509_dn_gets prints "CN=a, O=b"; the writer's parser wants "CN=a,O=b".
        issuerName = certificate.info.subject.replacing(", ", with: ",")
    }

    public convenience init(certificateFile: String, keyFile: String) throws(TLSError) {
        try self.init(key: PrivateKey(file: keyFile), certificate: Certificate(file: certificateFile))
    }

    /// What goes into a leaf certificate besides the key.
    public struct LeafProfile: Sendable {
        public var commonName: String
        public var dnsNames: [String]
        /// e.g. `urn:triforce:node:<id>`
        public var uris: [String]
        public var ipAddresses: [String]
        public var validityDays: Int
        /// Start of validity; defaults to five minutes ago to tolerate small clock skew.
        public var notBefore: Date?

        public init(commonName: String, dnsNames: [String] = [], uris: [String] = [], ipAddresses: [String] = [],
                    validityDays: Int = 30, notBefore: Date? = nil) {
            self.commonName = commonName
            self.dnsNames = dnsNames
            self.uris = uris
            self.ipAddresses = ipAddresses
            self.validityDays = validityDays
            self.notBefore = notBefore
        }
    }

    /// Signs a leaf certificate for the key inside `request` after checking the request's
    /// self-signature. The subject comes from `profile`, never from the request.
    public func sign(request: CertificateSigningRequest, profile: LeafProfile, now: Date = Date()) throws(TLSError) -> Certificate {
        let (publicKey, _) = try request.verifiedPublicKey()
        return try sign(publicKey: publicKey, profile: profile, now: now)
    }

    public func sign(publicKey: PublicKey, profile: LeafProfile, now: Date = Date()) throws(TLSError) -> Certificate {
        try signLeaf(subjectKey: publicKey.pk, profile: profile, now: now)
    }

    /// Signs a leaf for a private key we hold (tests, the CA's own node).
    public func sign(key: PrivateKey, profile: LeafProfile, now: Date = Date()) throws(TLSError) -> Certificate {
        try signLeaf(subjectKey: key.pk, profile: profile, now: now)
    }

    private func signLeaf(subjectKey: UnsafeMutablePointer<mbedtls_pk_context>, profile: LeafProfile,
                          now: Date) throws(TLSError) -> Certificate {
        let notBefore = profile.notBefore ?? now.addingTimeInterval(-300)
        let san = try SubjectAltNames.encode(dns: profile.dnsNames, uris: profile.uris, ips: profile.ipAddresses)
        let pem = try CertificateWriter.sign(
            subjectName: try DistinguishedName.commonName(profile.commonName), subjectKey: subjectKey,
            issuerName: issuerName, issuerKey: key.pk,
            notBefore: notBefore, notAfter: notBefore.addingTimeInterval(Double(profile.validityDays) * 86400)
        ) { writer throws(TLSError) in
            try TLSError.check(mbedtls_x509write_crt_set_basic_constraints(writer, 0, -1), .certificateWrite)
            try TLSError.check(mbedtls_x509write_crt_set_key_usage(
                writer, UInt32(MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_ENCIPHERMENT)), .certificateWrite)
            try CertificateWriter.setExtension(writer, oid: [0x55, 0x1d, 0x25], value: CertificateWriter.serverAndClientAuth)
            if profile.dnsNames.count + profile.uris.count + profile.ipAddresses.count > 0 {
                try CertificateWriter.setExtension(writer, oid: SubjectAltNames.oid, value: san)
            }
        }
        return try Certificate(pem: pem)
    }
}
