/// The syntactic shape of a presented credential, checked before anything is decoded, hashed
/// or looked up: a bad shape is a 401 at the cost of one pass over at most a few KB.
/// A JWT is three non-empty base64url segments of bounded total length; an API key is
/// `tf_` followed by exactly 43 base64url characters (32 random bytes, unpadded).
public enum CredentialShape: Sendable, Equatable {
    case jwt
    case apiKey
    case malformed

    /// Real tokens are ~300 bytes; the bound keeps header decoding cheap whatever is sent.
    public static let maxJWTBytes = 4096
    public static let apiKeyBodyLength = 43

    public init(_ credential: String) {
        // Over the contiguous bytes: a UTF8View walk cost ~2,400 instructions per request.
        var credential = credential
        self = credential.withUTF8 { Self.shape(of: $0) }
    }

    static func shape(of utf8: UnsafeBufferPointer<UInt8>) -> CredentialShape {
        if utf8.starts(with: APIKeyStore.keyPrefix.utf8) {
            let body = utf8.dropFirst(APIKeyStore.keyPrefix.utf8.count)
            return body.count == Self.apiKeyBodyLength && body.allSatisfy(Self.isBase64URL) ? .apiKey : .malformed
        }
        guard utf8.count <= Self.maxJWTBytes else { return .malformed }
        var dots = 0
        var segmentLength = 0
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard segmentLength > 0 else { return .malformed }
                dots += 1
                segmentLength = 0
            } else if Self.isBase64URL(byte) {
                segmentLength += 1
            } else {
                return .malformed
            }
        }
        return dots == 2 && segmentLength > 0 ? .jwt : .malformed
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
