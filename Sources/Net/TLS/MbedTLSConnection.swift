internal import CMbedTLS
import NIOCore

/// One TLS session: owns the `mbedtls_ssl_context` (heap; mbedTLS keeps pointers into it) and
/// its `ByteBufferBIO`, and translates mbedTLS results into `Step`s. WANT_READ / WANT_WRITE
/// are not errors: they become `.incomplete` and the handler waits for more bytes or a flush.
/// Confined to one event loop, like the handler that owns it.
final class MbedTLSConnection {
    enum Step {
        case complete
        case incomplete
        case failed(TLSError)
    }

    enum ReadResult {
        case data(ByteBuffer)
        case incomplete
        case closeNotify
        case failed(TLSError)
    }

    let context: MbedTLSContext
    let bio: ByteBufferBIO
    /// Client connecting by IP address: the IP SAN the server certificate must carry.
    private(set) var expectedIP: String?
    private let ssl: UnsafeMutablePointer<mbedtls_ssl_context>
    /// mbedTLS's maximum plaintext per record.
    private static let readChunk = 16384

    init(context: MbedTLSContext, allocator: ByteBufferAllocator, serverName: String?) throws(TLSError) {
        self.context = context
        bio = ByteBufferBIO(allocator: allocator)
        ssl = .allocate(capacity: 1)
        mbedtls_ssl_init(ssl)
        try TLSError.check(mbedtls_ssl_setup(ssl, context.config), .configuration)
        if let serverName {
            if let bytes = SubjectAltNames.ipBytes(serverName) {
                // mbedTLS 2.28 matches only DNS names/CN; IP SANs are checked by us after the
                // handshake (see `checkExpectedIP`), and SNI must not carry an IP (RFC 6066).
                expectedIP = SubjectAltNames.ipText(bytes)
            } else {
                try TLSError.check(mbedtls_ssl_set_hostname(ssl, serverName), .configuration)
            }
        }
        bio.install(on: ssl)
    }

    deinit {
        // Free the ssl context before `bio` goes (it holds an unretained pointer to it).
        mbedtls_ssl_free(ssl)
        ssl.deallocate()
    }

    func handshake() -> Step {
        let result = mbedtls_ssl_handshake(ssl)
        switch result {
        case 0: return .complete
        case MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_SSL_WANT_WRITE,
             MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS, MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS:
            return .incomplete
        default:
            return .failed(handshakeError(result))
        }
    }

    /// Decrypts at most one record's worth of plaintext.
    func read(allocator: ByteBufferAllocator) -> ReadResult {
        var buffer = allocator.buffer(capacity: Self.readChunk)
        var result: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readChunk) { raw in
            result = mbedtls_ssl_read(ssl, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), Self.readChunk)
            return result > 0 ? Int(result) : 0
        }
        switch result {
        case 1...: return .data(buffer)
        case MBEDTLS_ERR_SSL_WANT_READ, MBEDTLS_ERR_SSL_WANT_WRITE: return .incomplete
        case 0, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY: return .closeNotify
        default: return .failed(TLSError(.read, mbedTLSCode: result))
        }
    }

    /// Encrypts all of `buffer` into the BIO (the BIO never pushes back, so this finishes).
    func write(_ buffer: ByteBuffer) -> Step {
        var buffer = buffer
        while buffer.readableBytes > 0 {
            let result = buffer.withUnsafeReadableBytes { raw in
                mbedtls_ssl_write(ssl, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count)
            }
            if result > 0 {
                buffer.moveReaderIndex(forwardBy: Int(result))
            } else if result == MBEDTLS_ERR_SSL_WANT_WRITE || result == MBEDTLS_ERR_SSL_WANT_READ {
                return .incomplete
            } else {
                return .failed(TLSError(.write, mbedTLSCode: result))
            }
        }
        return .complete
    }

    /// Queues our close_notify alert in the BIO.
    func closeNotify() {
        _ = mbedtls_ssl_close_notify(ssl)
    }

    /// The peer's verified leaf certificate, after a completed handshake.
    var peerCertificate: PeerCertificate? {
        guard let crt = mbedtls_ssl_get_peer_cert(ssl) else { return nil }
        return PeerCertificate(crt)
    }

    /// With optional verification a peer may send no certificate, but one it sends must have
    /// verified (mbedTLS only records the failure in that mode): refuse it otherwise.
    func checkOptionalVerification() -> TLSError? {
        guard context.configuration.peerVerification == .optional, mbedtls_ssl_get_peer_cert(ssl) != nil else { return nil }
        let flags = mbedtls_ssl_get_verify_result(ssl)
        guard flags != 0 else { return nil }
        return handshakeError(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
    }

    /// With a pinned root: some certificate of the server's chain has the pinned SPKI and the
    /// leaf verifies against it alone (signature, validity). Nothing else is trusted.
    func checkPinnedRoot() -> TLSError? {
        guard let pin = context.configuration.pinnedRootSPKI else { return nil }
        guard let leaf = mbedtls_ssl_get_peer_cert(ssl) else {
            return TLSError(.handshake, reason: "the server sent no certificate")
        }
        var candidate: UnsafePointer<mbedtls_x509_crt>? = leaf
        var pinned: Certificate?
        while let current = candidate {
            if PeerCertificate.sha256Hex(current.pointee.pk_raw.p, current.pointee.pk_raw.len) == pin {
                pinned = try? Certificate(der: Array(UnsafeBufferPointer(start: current.pointee.raw.p, count: current.pointee.raw.len)))
                break
            }
            candidate = UnsafePointer(current.pointee.next)
        }
        guard let pinned else {
            return TLSError(.handshake, reason: "the server's certificate chain does not contain the pinned CA key")
        }
        var flags: UInt32 = 0
        let result = mbedtls_x509_crt_verify(UnsafeMutablePointer(mutating: leaf), pinned.crt, nil, nil, &flags, nil, nil)
        guard result == 0 else {
            return TLSError(.handshake, mbedTLSCode: result, reason: "the server certificate does not verify against the pinned CA key")
        }
        return nil
    }

    /// Fails when we dialled an IP and the verified server certificate does not list it.
    func checkExpectedIP(_ peer: PeerCertificate?) -> TLSError? {
        guard let expectedIP, context.configuration.peerVerification != .none else { return nil }
        if let peer, peer.ipAddresses.contains(expectedIP) { return nil }
        return TLSError(.handshake, reason: "server certificate has no IP SAN \(expectedIP)")
    }

    /// Adds the X.509 verification reasons to a handshake failure, so "verify failed" says why
    /// (expired, not trusted, revoked), and marks revocation with its own code.
    private func handshakeError(_ result: Int32) -> TLSError {
        let flags = mbedtls_ssl_get_verify_result(ssl)
        guard result == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, flags != 0, flags != UInt32.max else {
            return TLSError(.handshake, mbedTLSCode: result)
        }
        var buffer = [CChar](repeating: 0, count: 512)
        _ = mbedtls_x509_crt_verify_info(&buffer, buffer.count, "", flags)
        let details = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            .split(separator: "\n").joined(separator: "; ")
        let code: TLSError.Code = flags & UInt32(MBEDTLS_X509_BADCERT_REVOKED) != 0 ? .peerRevoked : .handshake
        return TLSError(code, mbedTLSCode: result, reason: TLSError.strerror(result) + ": " + details)
    }
}
