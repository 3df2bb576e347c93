public import FoundationEssentials
internal import CMbedTLS

/// What a verified peer certificate says about its holder: enough for authorization (URI SAN
/// node id, serial for revocation) and audit, detached from mbedTLS memory so it is Sendable.
public struct PeerCertificate: Sendable, Equatable, Hashable {
    /// The subject DN as mbedTLS prints it, e.g. `CN=node-1, O=TriForce`.
    public var subject: String
    public var issuer: String
    /// The subject's CN attribute, if present.
    public var commonName: String?
    public var dnsNames: [String]
    /// URI SANs, e.g. `urn:triforce:node:<id>`.
    public var uris: [String]
    /// IP SANs in text form (`127.0.0.1`, `::1`).
    public var ipAddresses: [String]
    /// Serial number, lowercase hex without separators (what revocation lists store).
    public var serialHex: String
    /// sha256 of the DER SubjectPublicKeyInfo, lowercase hex: the pin.
    public var spkiSHA256: String
    public var notBefore: Date
    public var notAfter: Date

    public init(subject: String, issuer: String, commonName: String?, dnsNames: [String], uris: [String],
                ipAddresses: [String], serialHex: String, spkiSHA256: String, notBefore: Date, notAfter: Date) {
        self.subject = subject
        self.issuer = issuer
        self.commonName = commonName
        self.dnsNames = dnsNames
        self.uris = uris
        self.ipAddresses = ipAddresses
        self.serialHex = serialHex
        self.spkiSHA256 = spkiSHA256
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// The node id from a `urn:triforce:node:<id>` URI SAN, if the certificate carries one.
    public var nodeID: String? {
        let prefix = "urn:triforce:node:"
        return uris.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}

extension PeerCertificate {
    /// Copies the facts out of a parsed certificate (only the first in a chain).
    init(_ crt: UnsafePointer<mbedtls_x509_crt>) {
        var subjectName = crt.pointee.subject
        var issuerName = crt.pointee.issuer
        subject = PeerCertificate.distinguishedName(&subjectName)
        issuer = PeerCertificate.distinguishedName(&issuerName)
        commonName = PeerCertificate.commonName(&subjectName)
        serialHex = PeerCertificate.hex(crt.pointee.serial.p, crt.pointee.serial.len)
        spkiSHA256 = PeerCertificate.sha256Hex(crt.pointee.pk_raw.p, crt.pointee.pk_raw.len)
        notBefore = PeerCertificate.date(crt.pointee.valid_from)
        notAfter = PeerCertificate.date(crt.pointee.valid_to)
        var dns: [String] = [], uris: [String] = [], ips: [String] = []
        // The v3 extension bytes are parsed by us rather than via `subject_alt_names`, which
        // mbedTLS 2.28 fills with dNSName/otherName only: URI and IP entries are needed here.
        for (tag, value) in SubjectAltNames.parse(extensions: crt.pointee.v3_ext.p, crt.pointee.v3_ext.len) {
            switch tag {
            case SubjectAltNames.dnsTag: dns.append(String(decoding: value, as: UTF8.self))
            case SubjectAltNames.uriTag: uris.append(String(decoding: value, as: UTF8.self))
            case SubjectAltNames.ipTag: if let text = SubjectAltNames.ipText(value) { ips.append(text) }
            default: break
            }
        }
        dnsNames = dns
        self.uris = uris
        ipAddresses = ips
    }

    static func distinguishedName(_ name: UnsafeMutablePointer<mbedtls_x509_name>) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        let count = mbedtls_x509_dn_gets(&buffer, buffer.count, name)
        guard count > 0 else { return "" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    static func commonName(_ name: UnsafeMutablePointer<mbedtls_x509_name>) -> String? {
        // id-at-commonName 2.5.4.3
        let cnOID: [UInt8] = [0x55, 0x04, 0x03]
        var node: UnsafeMutablePointer<mbedtls_x509_name>? = name
        while let current = node {
            let oid = current.pointee.oid
            if oid.len == cnOID.count, let p = oid.p, Array(UnsafeBufferPointer(start: p, count: oid.len)) == cnOID,
               let value = current.pointee.val.p {
                return String(decoding: UnsafeBufferPointer(start: value, count: current.pointee.val.len), as: UTF8.self)
            }
            node = current.pointee.next
        }
        return nil
    }

    static func hex(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> String {
        guard let bytes else { return "" }
        return UnsafeBufferPointer(start: bytes, count: count).hexString
    }

    static func sha256Hex(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        _ = mbedtls_sha256_ret(bytes, count, &digest, 0)
        return digest.hexString
    }

    /// Converts mbedTLS's broken-down UTC time to a Date (days-from-civil, no calendar needed).
    static func date(_ time: mbedtls_x509_time) -> Date {
        let y = Int(time.year) - (time.mon <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int(time.mon)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int(time.day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let seconds = days * 86400 + Int(time.hour) * 3600 + Int(time.min) * 60 + Int(time.sec)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
