import FoundationEssentials
internal import CMbedTLS

/// The shared part of issuing a certificate with `mbedtls_x509write_crt`: serial, validity,
/// names, keys, SKI/AKI, signature. Callers add their own extensions in `configure`.
enum CertificateWriter {
    /// extendedKeyUsage value: SEQUENCE { id-kp-serverAuth, id-kp-clientAuth }.
    static let serverAndClientAuth: [UInt8] = SubjectAltNames.tlv(0x30,
        SubjectAltNames.tlv(0x06, [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01])
            + SubjectAltNames.tlv(0x06, [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]))

    static func sign(subjectName: String, subjectKey: UnsafeMutablePointer<mbedtls_pk_context>,
                     issuerName: String, issuerKey: UnsafeMutablePointer<mbedtls_pk_context>,
                     notBefore: Date, notAfter: Date,
                     configure: (UnsafeMutablePointer<mbedtls_x509write_cert>) throws(TLSError) -> Void) throws(TLSError) -> String {
        guard let random = LockedDRBG.shared else { throw TLSError(.randomSource, reason: "no entropy source") }
        let writer = UnsafeMutablePointer<mbedtls_x509write_cert>.allocate(capacity: 1)
        mbedtls_x509write_crt_init(writer)
        let serial = UnsafeMutablePointer<mbedtls_mpi>.allocate(capacity: 1)
        mbedtls_mpi_init(serial)
        defer {
            mbedtls_x509write_crt_free(writer); writer.deallocate()
            mbedtls_mpi_free(serial); serial.deallocate()
        }
        // 128 random bits, top bit clear so the DER INTEGER stays positive and 16 bytes long.
        var serialBytes = try random.bytes(16)
        serialBytes[0] = (serialBytes[0] & 0x7f) | 0x01
        try TLSError.check(mbedtls_mpi_read_binary(serial, serialBytes, serialBytes.count), .certificateWrite)

        mbedtls_x509write_crt_set_version(writer, MBEDTLS_X509_CRT_VERSION_3)
        mbedtls_x509write_crt_set_md_alg(writer, MBEDTLS_MD_SHA256)
        mbedtls_x509write_crt_set_subject_key(writer, subjectKey)
        mbedtls_x509write_crt_set_issuer_key(writer, issuerKey)
        try TLSError.check(mbedtls_x509write_crt_set_serial(writer, serial), .certificateWrite)
        try TLSError.check(mbedtls_x509write_crt_set_subject_name(writer, subjectName), .certificateWrite)
        try TLSError.check(mbedtls_x509write_crt_set_issuer_name(writer, issuerName), .certificateWrite)
        try TLSError.check(mbedtls_x509write_crt_set_validity(writer, timestamp(notBefore), timestamp(notAfter)),
                           .certificateWrite)
        try TLSError.check(mbedtls_x509write_crt_set_subject_key_identifier(writer), .certificateWrite)
        try TLSError.check(mbedtls_x509write_crt_set_authority_key_identifier(writer), .certificateWrite)
        try configure(writer)
        return try PEMFile.writeString(capacity: 8192, code: .certificateWrite) {
            mbedtls_x509write_crt_pem(writer, $0, $1, LockedDRBG.function, random.context)
        }
    }

    static func setExtension(_ writer: UnsafeMutablePointer<mbedtls_x509write_cert>, oid: [UInt8],
                             value: [UInt8], critical: Bool = false) throws(TLSError) {
        let result = oid.withUnsafeBufferPointer { oidBytes in
            oidBytes.withMemoryRebound(to: CChar.self) { oidChars in
                mbedtls_x509write_crt_set_extension(writer, oidChars.baseAddress, oidChars.count,
                                                    critical ? 1 : 0, value, value.count)
            }
        }
        try TLSError.check(result, .certificateWrite)
    }

    /// "YYYYMMDDhhmmss" in UTC, as mbedtls_x509write_crt_set_validity wants.
    static func timestamp(_ date: Date) -> String {
        // X.509 times end at 9999-12-31; callers bound validity, this only keeps the conversion total.
        let seconds = min(max(date.timeIntervalSince1970.rounded(.down), 0), 253_402_300_799)
        let time = CivilTime(secondsSince1970: Int(seconds.isNaN ? 0 : seconds))
        let pad = CivilTime.padded
        return pad(time.year, 4) + pad(time.month, 2) + pad(time.day, 2) + pad(time.hour, 2) + pad(time.minute, 2) + pad(time.second, 2)
    }
}
