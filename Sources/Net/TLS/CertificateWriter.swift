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
        guard let random = DRBG.shared else { throw TLSError(.randomSource, reason: "no entropy source") }
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
            mbedtls_x509write_crt_pem(writer, $0, $1, DRBG.function, random.context)
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

    /// "YYYYMMDDhhmmss" in UTC, as mbedtls_x509write_crt_set_validity wants (civil-from-days).
    static func timestamp(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86400
        var rest = seconds % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(rest / 3600, 2) + pad(rest % 3600 / 60, 2) + pad(rest % 60, 2)
    }
}
