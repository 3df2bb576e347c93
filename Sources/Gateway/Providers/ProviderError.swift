public import Net

/// Why an upstream call failed, with what failover needs: the upstream status, whether
/// another candidate may succeed, and how long the upstream asked us to wait.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case connect            // could not reach the upstream, or it timed out
        case rateLimited        // 429
        case unauthorized       // 401/403: the key is wrong; the provider is misconfigured
        case badRequest         // 400/422: the request itself is wrong; no other upstream helps
        case notFound           // 404: the model is gone
        case upstream           // 5xx
        case invalidResponse    // the upstream answered something we cannot read
        case interrupted        // the stream broke after it started
        case cancelled
        case notConfigured
    }

    public var code: Code
    public var provider: String
    public var status: Int?
    public var retryAfter: Duration?
    public var message: String

    public init(_ code: Code, provider: String, status: Int? = nil, retryAfter: Duration? = nil, message: String) {
        self.code = code
        self.provider = provider
        self.status = status
        self.retryAfter = retryAfter
        self.message = message
    }

    /// Whether trying the next candidate can help.
    public var retryable: Bool {
        switch code {
        case .badRequest, .cancelled: false
        default: true
        }
    }

    /// Counts against the circuit breaker (a bad request is the caller's fault, not the upstream's).
    public var isUpstreamFault: Bool {
        switch code {
        case .badRequest, .cancelled: false
        default: true
        }
    }

    public var description: String {
        "\(provider): \(code.rawValue)\(status.map { " \($0)" } ?? ""): \(message)"
    }

    /// Maps an upstream HTTP status (non-2xx) and its body to an error.
    static let maxRetryAfterSeconds = 3_600

    public static func fromStatus(_ status: Int, body: String, provider: String, retryAfterHeader: String?) -> ProviderError {
        let code: Code = switch status {
        case 401, 403: .unauthorized
        case 404: .notFound
        case 408: .connect
        case 429: .rateLimited
        case 400, 413, 422: .badRequest
        case 500...: .upstream
        default: .invalidResponse
        }
        // An upstream's Retry-After is bounded: a huge value must not close a route for ever.
        let retryAfter = retryAfterHeader.flatMap { Int($0.trimmed()) }.map { Duration.seconds(min(max(0, $0), maxRetryAfterSeconds)) }
        return ProviderError(code, provider: provider, status: status, retryAfter: retryAfter,
                             message: upstreamMessage(body) ?? "HTTP \(status)")
    }

    /// Pulls `error.message` (OpenAI, Anthropic, Gemini) or `error` (Ollama) out of a body.
    static func upstreamMessage(_ body: String) -> String? {
        guard let json = JSONValue.parse(body) else {
            let trimmed = body.trimmed()
            return trimmed.isEmpty ? nil : String(trimmed.prefix(300))
        }
        if let message = json["error"]?["message"]?.stringValue { return message }
        if let message = json["error"]?.stringValue { return message }
        if let message = json["message"]?.stringValue { return message }
        return String(body.prefix(300))
    }

    public static func from(_ error: OutgoingHTTPError, provider: String) -> ProviderError {
        ProviderError(error.code == .cancelled ? .cancelled : .connect, provider: provider, message: error.description)
    }

    /// Any error from a provider call as a ProviderError.
    public static func wrap(_ error: any Error, provider: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if let error = error as? OutgoingHTTPError { return from(error, provider: provider) }
        if error is CancellationError { return ProviderError(.cancelled, provider: provider, message: "cancelled") }
        return ProviderError(.invalidResponse, provider: provider, message: "\(error)")
    }
}
