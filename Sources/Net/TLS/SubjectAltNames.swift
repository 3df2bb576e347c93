import Glibc

/// DER for the subjectAltName extension, both directions.
///
/// mbedTLS 2.28 has no SAN writer and its parser keeps only dNSName/otherName entries, so the
/// few TLVs involved are encoded and decoded here. Only definite-length DER is produced and
/// accepted; anything malformed parses as "no names" rather than trapping (never crash on input).
enum SubjectAltNames {
    static let dnsTag: UInt8 = 0x82   // [2] IMPLICIT IA5String
    static let uriTag: UInt8 = 0x86   // [6] IMPLICIT IA5String
    static let ipTag: UInt8 = 0x87    // [7] IMPLICIT OCTET STRING
    /// id-ce-subjectAltName 2.5.29.17, DER content bytes.
    static let oid: [UInt8] = [0x55, 0x1d, 0x11]

    /// The extnValue content: `GeneralNames ::= SEQUENCE OF GeneralName`.
    static func encode(dns: [String], uris: [String], ips: [String]) throws(TLSError) -> [UInt8] {
        var names: [UInt8] = []
        for name in dns { names += tlv(dnsTag, Array(name.utf8)) }
        for uri in uris { names += tlv(uriTag, Array(uri.utf8)) }
        for ip in ips {
            guard let bytes = ipBytes(ip) else {
                throw TLSError(.certificateWrite, reason: "not an IP address for a SAN: \(ip)")
            }
            names += tlv(ipTag, bytes)
        }
        return tlv(0x30, names)
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let count = content.count
        if count < 0x80 {
            out.append(UInt8(count))
        } else {
            var lengthBytes: [UInt8] = []
            var n = count
            while n > 0 { lengthBytes.insert(UInt8(n & 0xff), at: 0); n >>= 8 }
            out.append(0x80 | UInt8(lengthBytes.count))
            out += lengthBytes
        }
        return out + content
    }

    /// Finds the SAN extension in the DER `Extensions` SEQUENCE and returns (tag, value) pairs.
    static func parse(extensions: UnsafePointer<UInt8>?, _ count: Int) -> [(UInt8, [UInt8])] {
        guard let extensions, count > 0 else { return [] }
        var reader = DERReader(Array(UnsafeBufferPointer(start: extensions, count: count)))
        guard var list = reader.read(tag: 0x30) else { return [] }
        while !list.atEnd {
            guard var ext = list.read(tag: 0x30), let extOID = ext.readBytes(tag: 0x06) else { return [] }
            guard extOID == oid else { continue }
            if ext.peekTag == 0x01 { _ = ext.readBytes(tag: 0x01) }
            guard let value = ext.readBytes(tag: 0x04) else { return [] }
            var inner = DERReader(value)
            guard var names = inner.read(tag: 0x30) else { return [] }
            var out: [(UInt8, [UInt8])] = []
            while !names.atEnd, let (tag, bytes) = names.readAny() { out.append((tag, bytes)) }
            return out
        }
        return []
    }

    static func ipBytes(_ text: String) -> [UInt8]? {
        // Plain byte buffers: inet_pton writes network order, which is what the SAN holds.
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 { return v6 }
        return nil
    }

    static func ipText(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard ok != nil else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A bounds-checked cursor over DER bytes; every read returns nil instead of overrunning.
struct DERReader {
    private let bytes: [UInt8]
    private var index: Int

    init(_ bytes: [UInt8]) { self.bytes = bytes; index = 0 }

    var atEnd: Bool { index >= bytes.count }
    var peekTag: UInt8? { atEnd ? nil : bytes[index] }

    mutating func readAny() -> (UInt8, [UInt8])? {
        guard index < bytes.count else { return nil }
        let tag = bytes[index]
        var cursor = index + 1
        guard cursor < bytes.count else { return nil }
        var length = Int(bytes[cursor]); cursor += 1
        if length & 0x80 != 0 {
            let lengthCount = length & 0x7f
            guard lengthCount > 0, lengthCount <= 4, cursor + lengthCount <= bytes.count else { return nil }
            length = 0
            for _ in 0..<lengthCount { length = length << 8 | Int(bytes[cursor]); cursor += 1 }
        }
        guard length >= 0, cursor + length <= bytes.count else { return nil }
        index = cursor + length
        return (tag, Array(bytes[cursor..<cursor + length]))
    }

    mutating func readBytes(tag: UInt8) -> [UInt8]? {
        guard peekTag == tag, let (_, value) = readAny() else { return nil }
        return value
    }

    mutating func read(tag: UInt8) -> DERReader? { readBytes(tag: tag).map(DERReader.init) }
}
