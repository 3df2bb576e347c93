public import Core
import Net
public import HTTPTypes
import FoundationEssentials

/// Turns request credentials into a `Principal`: a login JWT or a `tf_` API key, from
/// `Authorization: Bearer ...` or `x-api-key: ...`; no credentials is a guest by address.
/// Presented-but-bad credentials are always 401 with one message (never "which part failed").
/// The user row is read on every request, so disabling or deleting a user, or changing
/// their tier, takes effect at once.
public struct Authenticator: Sendable {
    public let users: UserStore
    public let keys: APIKeyStore
    public let revocations: RevocationStore
    public let jwt: JWT

    static let rejected = APIError.unauthorized("invalid, expired or revoked credentials; log in again at POST /v1/client/login")

    public init(users: UserStore, keys: APIKeyStore, revocations: RevocationStore, jwt: JWT) {
        self.users = users
        self.keys = keys
        self.revocations = revocations
        self.jwt = jwt
    }

    /// The credential in the headers, if any. A non-Bearer Authorization header is an error.
    public static func credential(in headers: HTTPFields) throws -> String? {
        if let authorization = headers.value(.authorization) {
            // Scanned as bytes: `split` walks grapheme clusters, on every request.
            let bytes = authorization.utf8
            let schemeStart = bytes.firstIndex { $0 != 0x20 } ?? bytes.endIndex
            let schemeEnd = bytes[schemeStart...].firstIndex(of: 0x20) ?? bytes.endIndex
            let tokenStart = bytes[schemeEnd...].firstIndex { $0 != 0x20 } ?? bytes.endIndex
            guard tokenStart < bytes.endIndex, isBearer(authorization[schemeStart..<schemeEnd]) else {
                throw APIError.unauthorized("Authorization must be 'Bearer <token>'")
            }
            return authorization[tokenStart...].trimmed()
        }
        if let key = headers.value(.xAPIKey) { return key.trimmed() }
        return nil
    }

    /// "Bearer" in any case, compared as bytes (no lowercased copy per request).
    static func isBearer(_ scheme: Substring) -> Bool {
        scheme.utf8.count == 6 && zip(scheme.utf8, "bearer".utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    public func principal(headers: HTTPFields, address: String) async throws -> Principal {
        guard let credential = try Self.credential(in: headers) else { return .guest(address: address) }
        return try await principal(credential: credential)
    }

    public func principal(credential: String) async throws -> Principal {
        let shape = CredentialShape(credential)
        guard shape != .malformed else { throw Self.rejected }
        if shape == .apiKey {
            guard let userID = try await keys.userID(forKey: credential) else { throw Self.rejected }
            return try await live(userID: userID, method: .apiKey, tokenID: nil)
        }
        let claims: JWT.Claims
        do {
            claims = try jwt.verify(credential, now: Int64(Date().timeIntervalSince1970))
        } catch {
            throw Self.rejected
        }
        guard try await !revocations.isRevoked(jti: claims.jti) else { throw Self.rejected }
        return try await live(userID: claims.sub, method: .token, tokenID: claims.jti)
    }

    private func live(userID: String, method: Principal.Method, tokenID: String?) async throws -> Principal {
        guard let user = try await users.find(id: userID), !user.disabled else { throw Self.rejected }
        return Principal(subject: user.id, email: user.email, tier: user.tier, isAdmin: user.isAdmin, method: method, tokenID: tokenID)
    }
}
