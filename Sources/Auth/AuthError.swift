public import Net
import HTTPTypes

/// A failure in user, tier or key management (CLI and stores). Each code maps to one HTTP
/// status so an admin API can surface it unchanged.
public struct AuthError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        case invalidEmail
        case userExists
        case userNotFound
        case unknownTier
        case invalidTier
        case keyNotFound
        case weakPassword
        case invalidHash
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public var apiError: APIError {
        switch code {
        case .userNotFound, .keyNotFound: .notFound(message)
        case .userExists: APIError(.conflict, type: "invalid_request_error", code: "conflict", message: message)
        case .invalidHash: .internal()
        default: .badRequest(message)
        }
    }
}
