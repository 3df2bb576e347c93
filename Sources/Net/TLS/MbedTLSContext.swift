internal import CMbedTLS

/// The shared, read-only half of TLS for one `TLSConfiguration`: one `mbedtls_ssl_config`
/// plus everything it points at (own certificate and key, CA chain, cipher-suite list, RNG),
/// all on the heap and freed in deinit. Build once, share across every connection.
///
/// Thread safety (why `@unchecked Sendable` is sound): after `init` returns nothing here is
/// mutated. mbedTLS reads the config, certificates and key from whichever event-loop thread
/// runs a handshake; those reads are safe concurrently. The two things that are *not*
/// read-only are the DRBG, which is reached only through `LockedDRBG`'s mutex (see there),
/// and the verify callback, which only reads `isRevoked` (a Sendable closure).
/// Each connection keeps a strong reference to its context, so the config outlives every
/// `mbedtls_ssl_context` that points at it.
public final class MbedTLSContext: @unchecked Sendable {
    let configuration: TLSConfiguration
    let config: UnsafeMutablePointer<mbedtls_ssl_config>
    private let random: LockedDRBG
    private let ownCertificate: Certificate?
    private let ownKey: PrivateKey?
    private let trustRoots: Certificate?
    /// Zero-terminated suite ids; mbedTLS stores the pointer, not a copy.
    private let suites: UnsafeMutableBufferPointer<Int32>

    public init(configuration: TLSConfiguration) throws(TLSError) {
        self.configuration = configuration
        random = try LockedDRBG(personalization: "triforce-tls")
        ownCertificate = try configuration.certificateChain.map { source throws(TLSError) in try Certificate(pem: source.text()) }
        ownKey = try configuration.privateKey.map { source throws(TLSError) in
            try PrivateKey(pem: source.text(), password: configuration.privateKeyPassword)
        }
        trustRoots = try configuration.trustRoots.map { source throws(TLSError) in try Certificate(pem: source.text()) }

        var ids: [Int32] = []
        for name in configuration.cipherSuites {
            let id = mbedtls_ssl_get_ciphersuite_id(name)
            guard id != 0 else { throw TLSError(.configuration, reason: "unknown cipher suite \(name)") }
            ids.append(id)
        }
        suites = .allocate(capacity: ids.count + 1)
        _ = suites.initialize(from: ids + [0])

        config = .allocate(capacity: 1)
        mbedtls_ssl_config_init(config)
        try setUp()
    }

    deinit {
        mbedtls_ssl_config_free(config)
        config.deallocate()
        suites.deallocate()
    }

    private func setUp() throws(TLSError) {
        let endpoint = configuration.role == .server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT
        try TLSError.check(mbedtls_ssl_config_defaults(config, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                                       MBEDTLS_SSL_PRESET_DEFAULT), .configuration)
        // TLS 1.2 only: 2.28 has no 1.3, and 1.0/1.1 are obsolete.
        mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3)
        mbedtls_ssl_conf_max_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3)
        mbedtls_ssl_conf_ciphersuites(config, UnsafePointer(suites.baseAddress))
        mbedtls_ssl_conf_rng(config, LockedDRBG.function, random.context)

        if let ownCertificate, let ownKey {
            // A certificate for another key would only fail later, in every handshake.
            guard ownCertificate.spkiSHA256 == (try ownKey.spkiSHA256()) else {
                throw TLSError(.configuration, reason: "the certificate does not match the private key")
            }
            try TLSError.check(mbedtls_ssl_conf_own_cert(config, ownCertificate.crt, ownKey.pk), .configuration)
        } else if configuration.role == .server {
            throw TLSError(.configuration, reason: "a TLS server needs a certificate chain and a private key")
        }

        let mode: Int32
        switch configuration.peerVerification {
        case .none: mode = MBEDTLS_SSL_VERIFY_NONE
        case .optional: mode = MBEDTLS_SSL_VERIFY_OPTIONAL
        case .required: mode = MBEDTLS_SSL_VERIFY_REQUIRED
        }
        if mode != MBEDTLS_SSL_VERIFY_NONE && trustRoots == nil {
            throw TLSError(.configuration, reason: "peer verification needs trust roots (a CA certificate)")
        }
        mbedtls_ssl_conf_authmode(config, mode)
        if let trustRoots {
            mbedtls_ssl_conf_ca_chain(config, trustRoots.crt, nil)
        }
        if configuration.isRevoked != nil {
            mbedtls_ssl_conf_verify(config, MbedTLSContext.verify, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    /// mbedTLS calls this for every certificate of the peer chain, root first; depth 0 is the
    /// leaf. Setting a flag fails the handshake (with REQUIRED) and mbedTLS sends the alert.
    /// The pointer is unretained: the config that holds it is owned (and freed) by `self`.
    private static let verify: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<mbedtls_x509_crt>?,
                                               Int32, UnsafeMutablePointer<UInt32>?) -> Int32 = {
        context, crt, depth, flags in
        guard depth == 0, let context, let crt, let flags else { return 0 }
        let owner = Unmanaged<MbedTLSContext>.fromOpaque(context).takeUnretainedValue()
        if let isRevoked = owner.configuration.isRevoked, isRevoked(PeerCertificate(crt)) {
            flags.pointee |= UInt32(MBEDTLS_X509_BADCERT_REVOKED)
        }
        return 0
    }
}
