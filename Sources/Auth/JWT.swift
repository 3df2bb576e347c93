import Net
import FoundationEssentials

/// HS256 JSON Web Tokens (RFC 7519), signing and strict verification. The header's `alg`
/// must be exactly "HS256": `none`, RS256 (the key-confusion attack) and everything else
/// are rejected before the signature is looked at. Signatures compare in constant time.
public struct JWT: Sendable {
    public struct Claims: Sendable, Equatable, Codable {
        public var sub: String
        public var tier: String
        public var role: String
        public var iat: Int64
        public var exp: Int64
        public var jti: String
    }

    /// Why a token was refused. Never shown to the client in detail (they all become 401).
    public enum Failure: Error, Equatable, Sendable {
        case malformed, algorithm, signature, expired
    }

    private let secret: [UInt8]
    /// A header is one flat object; `crit` (refused anyway) would be one array inside it.
    static let maxHeaderDepth = 2

    public init(secret: [UInt8]) { self.secret = secret }

    public func sign(_ claims: Claims) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode((try? encoder.encode(claims)).map(Array.init) ?? [])
        let input = header + "." + payload
        return input + "." + Base64URL.encode(HMAC.sha256(key: secret, message: Array(input.utf8)))
    }

    public func verify(_ token: String, now: Int64) throws(Failure) -> Claims {
        // Bound the work an attacker can cause: shape and size first, then a flat header
        // parsed with a tiny depth limit (a 510-deep array header cost 2 s in JSONDecoder).
        guard CredentialShape(token) == .jwt else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerBytes = Base64URL.decode(parts[0]),
              let header = (try? JSONParser(maxDepth: Self.maxHeaderDepth).parse(headerBytes))?.objectValue
        else { throw .malformed }
        guard header["alg"]?.stringValue == "HS256", header["crit"] == nil else { throw .algorithm }
        if let typ = header["typ"], typ.stringValue?.uppercased() != "JWT" { throw .malformed }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed }
        let expected = HMAC.sha256(key: secret, message: Array((String(parts[0]) + "." + String(parts[1])).utf8))
        guard constantTimeEquals(signature, expected) else { throw .signature }
        guard let payload = Base64URL.decode(parts[1]),
              let claims = try? JSONDecoder().decode(Claims.self, from: Data(payload)) else { throw .malformed }
        guard now < claims.exp else { throw .expired }
        return claims
    }
}
